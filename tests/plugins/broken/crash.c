/* Crashes (SIGSEGV) in its entry point: inspecting it must not take plugctl list/lint/docs
 * down. */
#include <plugctl/plugctl.h>
#include <stddef.h>

PLUGCTL_EXPORT plugctl_status plugctl_plugin_entry_v1(const plugctl_host_info* info,
                                                      const plugctl_manifest** out,
                                                      plugctl_err* err) {
  /* Both volatile: a volatile pointer alone still lets GCC drop the store to a plain int. */
  volatile int* volatile nowhere = NULL;
  (void)info;
  (void)out;
  (void)err;
  *nowhere = 42;
  return PLUGCTL_OK;
}
