# plugctl_add_plugin(<name> SOURCES ... [DEPS ...] [OUTPUT_DIR dir] [TARGET target]
#                    [ABI target] [NO_INSTALL] [NO_WARNINGS] [C])
#
# Builds one plugin shared object, libplugctl-<name>.so, as a MODULE library:
#  - hidden visibility, only plugctl_plugin_entry_v1 exported (version script),
#  - static dependencies kept private (--exclude-libs),
#  - placed in ${CMAKE_BINARY_DIR}/plugins, where the loader looks in a build tree,
#  - installed to lib/plugctl/plugins, where the loader looks in an installed tree.
# TARGET names the CMake target (default plugctl-plugin-<name>). ABI is the header target to
# compile against (default plugctl::abi; plugctl::abi_v1_0 / plugctl::abi_v1_1 build against the frozen 1.0 / 1.1 copies).
# C compiles C sources as strict ISO C11 (-std=c11, no GNU extensions); otherwise the plugin is
# compiled as C++20 at least (the SDK needs it).
#
# The same file is installed by plugctl-dev (share/cmake/plugctl/, next to plugin.map) and
# included by find_package(plugctl), so a vendor's out-of-tree plugin is built exactly like a
# bundled one. There plugctl::abi is the imported header target, and project warnings
# (plugctl_warnings) apply only where that target exists, i.e. in plugctl's own tree.
set(PLUGCTL_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/plugin.map)

function(plugctl_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL;NO_WARNINGS;C" "OUTPUT_DIR;TARGET;ABI" "SOURCES;DEPS" ${ARGN})
  if(NOT P_TARGET)
    set(P_TARGET plugctl-plugin-${name})
  endif()
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR ${CMAKE_BINARY_DIR}/plugins)
  endif()
  if(NOT P_ABI)
    set(P_ABI plugctl::abi)
  endif()
  add_library(${P_TARGET} MODULE ${P_SOURCES})
  set_target_properties(${P_TARGET} PROPERTIES
    OUTPUT_NAME plugctl-${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(P_C)
    set_target_properties(${P_TARGET} PROPERTIES
      C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  else()
    get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
    if(CXX IN_LIST languages)
      target_compile_features(${P_TARGET} PRIVATE cxx_std_20)
    endif()
  endif()
  target_link_libraries(${P_TARGET} PRIVATE ${P_ABI} ${P_DEPS})
  if(NOT P_NO_WARNINGS AND TARGET plugctl_warnings)
    target_link_libraries(${P_TARGET} PRIVATE plugctl_warnings)
  endif()
  target_link_options(${P_TARGET} PRIVATE
    -Wl,--version-script=${PLUGCTL_PLUGIN_VERSION_SCRIPT} -Wl,--exclude-libs,ALL -Wl,-z,defs)
  if(NOT P_NO_INSTALL)
    install(TARGETS ${P_TARGET} LIBRARY DESTINATION lib/plugctl/plugins)
  endif()
endfunction()
