/* Compiled against abi/compat/v1.0 only: the layout every 1.0 plugin was built with. */
#include "layout.h"
#include "layout_fields_v1_0.h"

#include <plugctl/plugctl.h>

#define ROW(T, F) {#T, #F, offsetof(T, F), sizeof(((T*)0)->F), sizeof(T)},
static const plugctl_layout_row rows[] = {PLUGCTL_LAYOUT_FIELDS_V1_0(ROW)};

const plugctl_layout_row* plugctl_layout_v1_0(size_t* n) {
  *n = sizeof rows / sizeof rows[0];
  return rows;
}

/* The 1.0 layout on the platforms plugctl ships for (LP64). */
#if defined(__x86_64__) || defined(__aarch64__)
_Static_assert(sizeof(plugctl_bytes) == 16, "plugctl_bytes");
_Static_assert(offsetof(plugctl_host, err_set) == 24, "host header");
_Static_assert(sizeof(plugctl_read_result) == 32, "plugctl_read_result");
_Static_assert(sizeof(plugctl_input_vtable) == 56, "plugctl_input_vtable");
_Static_assert(sizeof(plugctl_output_vtable) == 56, "plugctl_output_vtable");
_Static_assert(sizeof(plugctl_processor_vtable) == 40, "plugctl_processor_vtable");
_Static_assert(sizeof(plugctl_cache_vtable) == 72, "plugctl_cache_vtable");
_Static_assert(sizeof(plugctl_component) == 80, "plugctl_component");
_Static_assert(sizeof(plugctl_manifest) == 80, "plugctl_manifest");
_Static_assert(sizeof(plugctl_host_info) == 32, "plugctl_host_info");
#endif
