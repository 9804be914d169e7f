// CYAML: the system libyaml (libyaml-dev), used only to scan and parse YAML into events; ContainYAML
// composes the events into a tree itself. No wrappers: every libyaml call is pure computation on memory
// (no syscalls), so there is no EINTR to handle.
#ifndef CONTAIN_CYAML_SHIM_H
#define CONTAIN_CYAML_SHIM_H
#include <yaml.h>
#endif
