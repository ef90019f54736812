# Edit -> verdict speed: ccache (with the sloppiness a PCH needs), mold, one shared PCH.
find_program(ASYNCLINGS_CCACHE ccache)
if(ASYNCLINGS_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # Without pch_defines,time_macros and the mtime/ctime sloppiness ccache refuses to cache
  # any translation unit compiled next to a precompiled header.
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${ASYNCLINGS_CCACHE})
endif()

find_program(ASYNCLINGS_MOLD mold)
if(ASYNCLINGS_MOLD)
  add_link_options(-fuse-ld=mold)
endif()

if("${ASYNCLINGS_SANITIZE}" STREQUAL "address")
  set(ASYNCLINGS_SANITIZE_FLAGS -fsanitize=address -fno-omit-frame-pointer)
elseif("${ASYNCLINGS_SANITIZE}" STREQUAL "thread")
  set(ASYNCLINGS_SANITIZE_FLAGS -fsanitize=thread)
elseif("${ASYNCLINGS_SANITIZE}" STREQUAL "undefined")
  set(ASYNCLINGS_SANITIZE_FLAGS -fsanitize=undefined -fno-sanitize-recover=undefined)
elseif(NOT "${ASYNCLINGS_SANITIZE}" STREQUAL "")
  message(FATAL_ERROR "ASYNCLINGS_SANITIZE must be address, thread or undefined")
endif()
if(ASYNCLINGS_SANITIZE_FLAGS)
  add_compile_options(${ASYNCLINGS_SANITIZE_FLAGS})
  add_link_options(${ASYNCLINGS_SANITIZE_FLAGS})
endif()
