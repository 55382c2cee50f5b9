/* A minimal valid input component for the broken test plugins, so that each of them is broken
 * in exactly one way. Plain C11. */
#ifndef PLUGCTL_TESTS_BROKEN_COMMON_H
#define PLUGCTL_TESTS_BROKEN_COMMON_H

#include <plugctl/plugctl.h>
#include <stddef.h>

static plugctl_status broken_create(const plugctl_ctx* ctx, const plugctl_config* cfg,
                                    void** out_inst, plugctl_err* err) {
  (void)ctx;
  (void)cfg;
  (void)err;
  *out_inst = NULL;
  return PLUGCTL_OK;
}

static plugctl_status broken_read(void* inst, plugctl_read_result* out, plugctl_err* err) {
  (void)inst;
  (void)out;
  (void)err;
  return PLUGCTL_END_OF_INPUT;
}

static void broken_ack(void* inst, uint64_t token, plugctl_status status, const char* reason,
                       size_t reason_len) {
  (void)inst;
  (void)token;
  (void)status;
  (void)reason;
  (void)reason_len;
}

static void broken_destroy(void* inst) {
  (void)inst;
}

static const plugctl_input_vtable broken_input_vtable = {sizeof(plugctl_input_vtable),
                                                         0,
                                                         broken_create,
                                                         NULL,
                                                         broken_read,
                                                         broken_ack,
                                                         NULL,
                                                         broken_destroy};

#define BROKEN_EMPTY_SPEC "{\"type\":\"object\",\"children\":[]}"

/* An input component named `name` with config spec `spec`. */
#define BROKEN_INPUT(name, spec)                                                                   \
  {                                                                                                \
    sizeof(plugctl_component), PLUGCTL_KIND_INPUT, name, "A test input.", "", 0, 0, "Testing",     \
        spec, NULL, &broken_input_vtable, 0                                                        \
  }

/* A manifest named `name` for abi (major, built, required) listing `components`. */
#define BROKEN_MANIFEST(name, major, built, required, components)                                  \
  {                                                                                                \
    sizeof(plugctl_manifest), major, built, required, name, "1.0.0", "plugctl", "Apache-2.0",      \
        "A broken plugin for loader tests.", NULL, components,                                     \
        sizeof components / sizeof components[0], 0                                                \
  }

/* Defines the entry point of a plugin that loads and hands back `manifest`, whatever the host
 * says: the host has to find what is wrong with it. Use without a trailing semicolon. */
#define BROKEN_ENTRY_RETURNING(manifest)                                                           \
  PLUGCTL_EXPORT plugctl_status plugctl_plugin_entry_v1(                                           \
      const plugctl_host_info* info, const plugctl_manifest** out, plugctl_err* err) {             \
    (void)info;                                                                                    \
    (void)err;                                                                                     \
    *out = &(manifest);                                                                            \
    return PLUGCTL_OK;                                                                             \
  }

#endif
