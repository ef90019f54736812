# Every dependency is a Debian 12 package (scripts/setup installs them).
# Boost must be 1.81 (libboost1.81-dev, and libboost-filesystem1.81-dev for ch07's support
# library); the unversioned Debian packages are 1.74.
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED)
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
# cpp-httplib ships only a pkg-config file; its defines (OpenSSL/zlib/brotli support) must
# match the compiled library, so they come from the .pc file.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

add_library(asynclings_boost INTERFACE)
target_link_libraries(asynclings_boost INTERFACE Boost::headers Threads::Threads)
target_compile_definitions(asynclings_boost INTERFACE BOOST_ASIO_NO_DEPRECATED)
