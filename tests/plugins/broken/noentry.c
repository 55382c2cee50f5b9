/* A shared object without plugctl_plugin_entry_v1 (a near-miss name, not exported either): the
 * loader must refuse it, naming the file and the missing symbol. */
int plugctl_plugin_entry(void);
int plugctl_plugin_entry(void) {
  return 0;
}
