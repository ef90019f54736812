// Exists only so the shared chapter precompiled header has a target to be built with.
