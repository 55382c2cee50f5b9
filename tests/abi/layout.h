/* One row per ABI struct field: where it is and how big, as compiled against one header. */
#ifndef PLUGCTL_TESTS_ABI_LAYOUT_H
#define PLUGCTL_TESTS_ABI_LAYOUT_H
#include <stddef.h>

typedef struct plugctl_layout_row {
  const char* type;
  const char* field;
  size_t offset;
  size_t size;
  size_t struct_size;
} plugctl_layout_row;

#ifdef __cplusplus
extern "C" {
#endif
/* Rows as compiled against abi/compat/v1.0 (frozen) and against abi/include (current). */
const plugctl_layout_row* plugctl_layout_v1_0(size_t* n);
const plugctl_layout_row* plugctl_layout_current(size_t* n);
#ifdef __cplusplus
}
#endif
#endif
