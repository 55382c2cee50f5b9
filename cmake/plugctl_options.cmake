# One switch per plugin (Fluent Bit style) and a master switch for a minimal build.
option(PLUGCTL_MINIMAL "Build only the core and the file plugin" OFF)
option(PLUGCTL_PLUGIN_FILE "Build the file plugin" ON)
option(PLUGCTL_PLUGIN_KAFKA "Build the kafka plugin (librdkafka)" ON)
option(PLUGCTL_PLUGIN_HTTP "Build the http plugin (libcurl)" ON)
option(PLUGCTL_PLUGIN_SQL "Build the sql plugin (PostgreSQL, libpq)" ON)
option(PLUGCTL_BUILD_TESTS "Build the tests" ON)
option(PLUGCTL_BUILD_BENCH "Build the benchmarks" ON)
option(PLUGCTL_WERROR "Treat warnings in project code as errors" ON)
