/* Compiled against abi/include: the layout of this host. */
#include "layout.h"
#include "layout_fields_current.h"

#include <plugctl/plugctl.h>

#define ROW(T, F) {#T, #F, offsetof(T, F), sizeof(((T*)0)->F), sizeof(T)},
static const plugctl_layout_row rows[] = {PLUGCTL_LAYOUT_FIELDS_CURRENT(ROW)};

const plugctl_layout_row* plugctl_layout_current(size_t* n) {
  *n = sizeof rows / sizeof rows[0];
  return rows;
}
