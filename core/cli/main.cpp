#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return plugctl::core::cli_main(argc, argv);
}
