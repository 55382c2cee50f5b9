#include <cstdio>

int main() {
  std::puts("plugctl " PLUGCTL_VERSION);
  return 0;
}
