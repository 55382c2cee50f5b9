/* The entry point fails the way a plugin missing a system library would: the host must report
 * the plugin's own text. */
#include <plugctl/plugctl.h>

PLUGCTL_EXPORT plugctl_status plugctl_plugin_entry_v1(const plugctl_host_info* info,
                                                      const plugctl_manifest** out,
                                                      plugctl_err* err) {
  static const char msg[] = "cannot find libfoo.so.3";
  (void)out;
  info->host->err_set(err, msg, sizeof msg - 1);
  return PLUGCTL_ERROR;
}
