/* The fields of every struct of the current ABI: the frozen 1.0 list, then what later minors
 * appended. X(struct, field). */
#include "layout_fields_v1_0.h"

/* 1.1: Bloblang mappings. */
#define PLUGCTL_LAYOUT_FIELDS_V1_1(X)                                                              \
  X(plugctl_host, mapping_new)                                                                     \
  X(plugctl_host, mapping_free)                                                                    \
  X(plugctl_host, mapping_eval)                                                                    \
  /* end */

/* 1.2: a mapping's result as typed values. */
#define PLUGCTL_LAYOUT_FIELDS_V1_2(X)                                                              \
  X(plugctl_host, mapping_eval_values)                                                             \
  /* end */

#define PLUGCTL_LAYOUT_FIELDS_CURRENT(X)                                                           \
  PLUGCTL_LAYOUT_FIELDS_V1_0(X) PLUGCTL_LAYOUT_FIELDS_V1_1(X) PLUGCTL_LAYOUT_FIELDS_V1_2(X)
