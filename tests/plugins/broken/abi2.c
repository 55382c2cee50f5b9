/* Declares C ABI major 2 and returns OK even on a major-1 host: the host, not the plugin, must
 * refuse it, naming the plugin, its path and both ABI versions. */
#include "broken_common.h"

static const plugctl_component input = BROKEN_INPUT("abi2_input", BROKEN_EMPTY_SPEC);
static const plugctl_component* const components[] = {&input};
static const plugctl_manifest manifest = BROKEN_MANIFEST("abi2", 2, 0, 0, components);

BROKEN_ENTRY_RETURNING(manifest)
