//! Fake server: to be written (see ../shared/PLATFORM_APIS.md).
