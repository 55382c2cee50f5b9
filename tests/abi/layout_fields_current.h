/* The fields of every struct of the current ABI: the frozen 1.0 list, then what later minors
 * appended (none yet). X(struct, field). */
#include "layout_fields_v1_0.h"
#define PLUGCTL_LAYOUT_FIELDS_CURRENT(X) PLUGCTL_LAYOUT_FIELDS_V1_0(X)
