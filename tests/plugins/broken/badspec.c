/* A component whose config spec is invalid (unknown field type "strng"): the host must reject
 * the component with the JSON path of the problem. */
#include "broken_common.h"

static const plugctl_component input = BROKEN_INPUT(
    "badspec_input", "{\"type\":\"object\",\"children\":[{\"name\":\"x\",\"type\":\"strng\"}]}");
static const plugctl_component* const components[] = {&input};
static const plugctl_manifest manifest =
    BROKEN_MANIFEST("badspec", PLUGCTL_ABI_MAJOR, PLUGCTL_ABI_MINOR, 0, components);

BROKEN_ENTRY_RETURNING(manifest)
