"""Pure argv builders, one module per host tool. Nothing here runs or quotes anything."""
