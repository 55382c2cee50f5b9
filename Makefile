# The two commands of the README:
#   make run   - install what is missing, build, and run the bundled example pipeline
#   make test  - install what is missing, build, and run every test
#   make package - the .deb and .rpm packages (plugctl, plugctl-dev) into $(BUILD)/packages
BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= config/examples/hello_file.yaml

.PHONY: all deps configure build run test package bench format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: configure
	@ninja -C $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/plugctl run $(CONFIG)

test: build
	@scripts/test-services.sh start
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600; rc=$$?; \
	  cd .. && scripts/test-services.sh stop; exit $$rc

package: build
	@cd $(BUILD) && cpack -G "DEB;RPM" -B packages
	@ls -1 $(BUILD)/packages/*.deb $(BUILD)/packages/*.rpm

bench: build
	bench/run.sh

format:
	@git ls-files '*.cpp' '*.hpp' '*.h' '*.c' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
