/* Plugin `dup` declares input c_counter, already declared by the C test plugin: the registry
 * keeps the first and warns, naming both plugins. */
#include "broken_common.h"

static const plugctl_component input = BROKEN_INPUT("c_counter", BROKEN_EMPTY_SPEC);
static const plugctl_component* const components[] = {&input};
static const plugctl_manifest manifest =
    BROKEN_MANIFEST("dup", PLUGCTL_ABI_MAJOR, PLUGCTL_ABI_MINOR, 0, components);

BROKEN_ENTRY_RETURNING(manifest)
