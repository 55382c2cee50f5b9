// The plugctl command line.
#pragma once

namespace plugctl::core {
int cli_main(int argc, char** argv);
}
