/* Built for, and requiring, C ABI 1.99: a 1.0 host must refuse it ("requires plugctl C ABI
 * >= 1.99") instead of calling slots it does not have. */
#include "broken_common.h"

static const plugctl_component input = BROKEN_INPUT("newminor_input", BROKEN_EMPTY_SPEC);
static const plugctl_component* const components[] = {&input};
static const plugctl_manifest manifest = BROKEN_MANIFEST("newminor", 1, 99, 99, components);

BROKEN_ENTRY_RETURNING(manifest)
