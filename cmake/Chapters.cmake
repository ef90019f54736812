# A chapter is data: exercises/chNN-topic/chapter.json lists its exercises, the files a
# student edits, the test of each exercise and its wrong-solution fixtures. This file turns
# every chapter folder it finds into build targets; no central list names them.
#
# Per exercise it builds one test executable per variant:
#   <chapter>-<ex>-exercise        the student's files (exercises/, or the submission's)
#   <chapter>-<ex>-solution        solutions/<chapter>/
#   <chapter>-<ex>-mistake-<name>  the solution with a wrong-solution fixture applied
#   <chapter>-<ex>-alternative-<name>  the solution with a correct alternative applied
# One executable per exercise keeps a compile error or a crash in one exercise from
# hiding the verdicts of the others, and an edit recompiles one translation unit.

include(GoogleTest)

set(ASYNCLINGS_EXERCISES_DIR ${PROJECT_SOURCE_DIR}/exercises)
set(ASYNCLINGS_SOLUTIONS_DIR ${PROJECT_SOURCE_DIR}/solutions)
set(ASYNCLINGS_CHAPTERS_BINARY_DIR ${PROJECT_BINARY_DIR}/chapters)
# Symmetric transfer only keeps the stack flat when the compiler turns the resume into a
# tail call; g++ 12 does that at -O2 or with this flag, not at the Debug default. Chapter 1
# measures stack growth per co_await, so every chapter executable gets it (and the PCH too:
# a precompiled header is only reused with the same options).
set(ASYNCLINGS_CHAPTER_FLAGS -foptimize-sibling-calls)

# One test executable: the exercise's test file plus the .cpp files among the edited ones,
# taken from the first of <include_dirs> that has them.
function(_asynclings_exercise_executable target test_file edits include_dirs umbrella chapter)
  set(sources ${test_file})
  foreach(file IN LISTS edits)
    if(file MATCHES "\\.cpp$")
      foreach(dir IN LISTS include_dirs)
        if(EXISTS ${dir}/${file})
          list(APPEND sources ${dir}/${file})
          break()
        endif()
      endforeach()
    endif()
  endforeach()
  add_executable(${target} ${sources})
  target_include_directories(${target} PRIVATE ${include_dirs})
  target_link_libraries(${target} PRIVATE asynclings::testkit_main)
  if(TARGET ${chapter}-support)
    target_link_libraries(${target} PRIVATE ${chapter}-support)
  endif()
  target_precompile_headers(${target} REUSE_FROM asynclings_chapter_pch)
  target_compile_options(${target} PRIVATE ${ASYNCLINGS_CHAPTER_FLAGS})
  set_target_properties(${target} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${ASYNCLINGS_CHAPTERS_BINARY_DIR}
    EXPORT_COMPILE_COMMANDS ON)
  add_dependencies(${umbrella} ${target})
  # Debug information is most of each executable's 50-60 MB, and a full build holds about
  # 600 of them: compressed, the project's build fits a CI machine's disk (about a third of
  # the size; addr2line reads compressed sections). The student's own executable stays
  # uncompressed, so an edit's link costs no extra second.
  if(NOT target MATCHES "-exercise$")
    target_link_options(${target} PRIVATE LINKER:--compress-debug-sections=zlib)
  endif()
endfunction()

# The manifest module (grader/cli/src/core/manifest.cpp) is the only reader of chapter.json. The
# build needs it before the grader exists, so a small program of it, chapter-tool, is
# compiled at configure time (again only when its sources change) and writes the chapters as
# the CMake calls below (build/chapters.cmake); it also applies fixture patches at build time.
function(_asynclings_build_chapter_tool out)
  set(src ${PROJECT_SOURCE_DIR}/grader/cli/src)
  set(core ${src}/core)
  set(sources ${core}/manifest.cpp ${core}/patch.cpp ${core}/integrity.cpp ${core}/chapter_tool.cpp)
  set(inputs ${sources} ${core}/manifest.hpp ${core}/patch.hpp ${core}/integrity.hpp)
  set(tool ${PROJECT_BINARY_DIR}/chapter-tool/chapter-tool)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${inputs})
  set(stale FALSE)
  foreach(input IN LISTS inputs)
    if(NOT EXISTS ${tool} OR ${input} IS_NEWER_THAN ${tool})
      set(stale TRUE)
    endif()
  endforeach()
  if(stale)
    get_target_property(json_includes nlohmann_json::nlohmann_json INTERFACE_INCLUDE_DIRECTORIES)
    set(include_flags -I${src})
    foreach(dir IN LISTS json_includes)
      if(dir)
        list(APPEND include_flags -I${dir})
      endif()
    endforeach()
    file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/chapter-tool)
    message(STATUS "Building chapter-tool (reads the chapter manifests)")
    execute_process(
      COMMAND ${CMAKE_CXX_COMPILER} -std=c++20 -O1 ${include_flags} ${sources} -o ${tool}
      RESULT_VARIABLE result ERROR_VARIABLE errors)
    if(NOT result EQUAL 0)
      message(FATAL_ERROR "chapter-tool did not compile:\n${errors}")
    endif()
  endif()
  set(${out} ${tool} PARENT_SCOPE)
endfunction()

# asynclings_chapter(<chapter>): the umbrella targets, support library and lesson snippets.
function(asynclings_chapter chapter)
  set(chapter_dir ${ASYNCLINGS_EXERCISES_DIR}/${chapter})
  foreach(variant exercises solutions mistakes alternatives)
    add_custom_target(${chapter}-${variant})
  endforeach()
  # What a chapter's tests need beyond the testkit (a helper program, a support library)
  # lives in its support/ folder; a target named <chapter>-support is linked into every
  # exercise executable of the chapter. Globbed, so a support folder that appears later (a
  # pulled update) re-runs the configure instead of leaving its tests without their library.
  file(GLOB support_lists CONFIGURE_DEPENDS ${chapter_dir}/support/CMakeLists.txt)
  if(support_lists)
    add_subdirectory(${chapter_dir}/support ${PROJECT_BINARY_DIR}/chapter-support/${chapter})
  endif()
  _asynclings_add_lesson_snippets(${chapter} ${chapter_dir})
endfunction()

function(_asynclings_student_dir out chapter)
  if(ASYNCLINGS_SUBMISSION_DIR)
    set(${out} ${ASYNCLINGS_SUBMISSION_DIR}/exercises/${chapter} PARENT_SCOPE)
  else()
    set(${out} ${ASYNCLINGS_EXERCISES_DIR}/${chapter} PARENT_SCOPE)
  endif()
endfunction()

# asynclings_exercise(<chapter> <id> TEST <file> EDIT <files…> EXCLUSIVE_CPU <bool>
#                     MEMORY_LIMIT_MB <n> TIME_LIMIT_SECONDS <n>)
function(asynclings_exercise chapter id)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "TEST;EXCLUSIVE_CPU;MEMORY_LIMIT_MB;TIME_LIMIT_SECONDS" "EDIT")
  set(chapter_dir ${ASYNCLINGS_EXERCISES_DIR}/${chapter})
  set(solution_dir ${ASYNCLINGS_SOLUTIONS_DIR}/${chapter})
  _asynclings_student_dir(student_dir ${chapter})
  set(test_file ${chapter_dir}/${arg_TEST})
  set(serial FALSE)
  if(arg_EXCLUSIVE_CPU)
    # Exercises that measure CPU scaling need both cores: their tests run alone.
    set(serial TRUE)
    # tests/CMakeLists.txt checks that the property really reached the discovered tests.
    set_property(GLOBAL APPEND PROPERTY ASYNCLINGS_SERIAL_TEST_PREFIXES "${chapter}/${id}/")
  endif()
  # What the fixtures of this exercise need (asynclings_fixture follows in the same file).
  set_property(GLOBAL PROPERTY ASYNCLINGS_${chapter}_${id}_TEST ${test_file})
  set_property(GLOBAL PROPERTY ASYNCLINGS_${chapter}_${id}_EDIT "${arg_EDIT}")
  set_property(GLOBAL PROPERTY ASYNCLINGS_${chapter}_${id}_SERIAL ${serial})
  set_property(GLOBAL PROPERTY ASYNCLINGS_${chapter}_${id}_MEMORY ${arg_MEMORY_LIMIT_MB})

  set(prefix ${chapter}-${id})
  _asynclings_exercise_executable(${prefix}-exercise ${test_file} "${arg_EDIT}" "${student_dir}" ${chapter}-exercises ${chapter})
  _asynclings_exercise_executable(${prefix}-solution ${test_file} "${arg_EDIT}" "${solution_dir}" ${chapter}-solutions ${chapter})
  if(ASYNCLINGS_BUILD_PROJECT_TESTS)
    # The solution passes every test; the untouched stub fails every test, one by one.
    # One label only: gtest_discover_tests splits a "a;b" list value into separate words,
    # which silently drops every property after it (TIMEOUT, RUN_SERIAL).
    gtest_discover_tests(${prefix}-solution TEST_PREFIX "${chapter}/${id}/solution/"
      DISCOVERY_MODE PRE_TEST PROPERTIES LABELS solution TIMEOUT 120 RUN_SERIAL ${serial})
    if(NOT ASYNCLINGS_SUBMISSION_DIR)
      gtest_discover_tests(${prefix}-exercise TEST_PREFIX "${chapter}/${id}/stub-fails/"
        DISCOVERY_MODE PRE_TEST PROPERTIES WILL_FAIL TRUE LABELS stub TIMEOUT 120 RUN_SERIAL ${serial})
    endif()
  endif()
endfunction()

# asynclings_fixture(<chapter> <id> MISTAKE|ALTERNATIVE <name> FILE <fixture> REPLACES <file>
#                    PATCH <bool> DIAGNOSIS <diagnosis>)
# A variant of the solution: a mistake must be rejected with its diagnosis, an alternative
# must pass every test. A patch fixture is applied into the build tree at build time (never
# into the sources); a patch that no longer applies fails this target's build, naming the
# fixture and the hunk.
function(asynclings_fixture chapter id kind name)
  if(kind STREQUAL "MISTAKE" AND NOT ASYNCLINGS_BUILD_MISTAKES)
    return()
  endif()
  if(kind STREQUAL "ALTERNATIVE" AND NOT ASYNCLINGS_BUILD_PROJECT_TESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 4 arg "" "FILE;REPLACES;PATCH;DIAGNOSIS" "")
  get_property(test_file GLOBAL PROPERTY ASYNCLINGS_${chapter}_${id}_TEST)
  get_property(edits GLOBAL PROPERTY ASYNCLINGS_${chapter}_${id}_EDIT)
  get_property(serial GLOBAL PROPERTY ASYNCLINGS_${chapter}_${id}_SERIAL)
  get_property(memory_limit_mb GLOBAL PROPERTY ASYNCLINGS_${chapter}_${id}_MEMORY)
  set(solution_dir ${ASYNCLINGS_SOLUTIONS_DIR}/${chapter})
  set(fixture ${solution_dir}/${arg_FILE})
  string(TOLOWER ${kind} variant)
  set(prefix ${chapter}-${id})
  set(target ${prefix}-${variant}-${name})
  # The fixture's files go to a folder searched before the solution's, so the test includes
  # them unchanged.
  set(fixture_dir ${PROJECT_BINARY_DIR}/${variant}s/${chapter}/${id}-${name})
  set(generated "")
  if(arg_PATCH)
    set(solution_files "")
    foreach(file IN LISTS edits)
      list(APPEND solution_files ${solution_dir}/${file})
    endforeach()
    add_custom_command(OUTPUT ${fixture_dir}/${arg_REPLACES}
      COMMAND ${ASYNCLINGS_CHAPTER_TOOL} apply ${fixture} ${solution_dir} ${fixture_dir}
      DEPENDS ${fixture} ${solution_files} ${ASYNCLINGS_CHAPTER_TOOL}
      COMMENT "Applying ${variant} ${chapter} ${id} ${name}"
      VERBATIM)
    set(generated ${fixture_dir}/${arg_REPLACES})
  else()
    configure_file(${fixture} ${fixture_dir}/${arg_REPLACES} COPYONLY)
  endif()
  _asynclings_exercise_executable(${target} ${test_file} "${edits}" "${fixture_dir};${solution_dir}"
    ${chapter}-${variant}s ${chapter})
  if(generated)
    target_sources(${target} PRIVATE ${generated})
  endif()
  if(NOT ASYNCLINGS_BUILD_PROJECT_TESTS)
    return()
  endif()
  if(kind STREQUAL "MISTAKE")
    set(memory_limit_args "")
    if(memory_limit_mb)
      set(memory_limit_args --memory-limit-mb ${memory_limit_mb})
    endif()
    add_test(NAME "${chapter}/${id}/mistake/${name}"
      COMMAND grader expect-diagnosis --binary $<TARGET_FILE:${target}> --diagnosis ${arg_DIAGNOSIS} ${memory_limit_args})
    set_tests_properties("${chapter}/${id}/mistake/${name}" PROPERTIES
      LABELS "chapter;mistake" TIMEOUT 120 RUN_SERIAL ${serial})
  else()
    # A correct solution written differently: every test passes, as for the reference.
    gtest_discover_tests(${target} TEST_PREFIX "${chapter}/${id}/alternative/${name}/"
      DISCOVERY_MODE PRE_TEST PROPERTIES LABELS alternative TIMEOUT 120 RUN_SERIAL ${serial})
  endif()
endfunction()

# The lesson's code: every snippets/*.cpp is a small program, built and run as a test, and
# the README must quote each one verbatim after a `<!-- snippet: snippets/NAME.cpp -->` line.
function(_asynclings_add_lesson_snippets chapter chapter_dir)
  file(GLOB snippets CONFIGURE_DEPENDS ${chapter_dir}/snippets/*.cpp)
  foreach(snippet IN LISTS snippets)
    get_filename_component(name ${snippet} NAME_WE)
    set(target ${chapter}-snippet-${name})
    add_executable(${target} ${snippet})
    target_link_libraries(${target} PRIVATE asynclings::testkit)
    set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${ASYNCLINGS_CHAPTERS_BINARY_DIR}/snippets)
    add_dependencies(${chapter}-solutions ${target})
    if(ASYNCLINGS_BUILD_PROJECT_TESTS)
      add_test(NAME "${chapter}/lesson/snippet/${name}" COMMAND ${target})
      set_tests_properties("${chapter}/lesson/snippet/${name}" PROPERTIES LABELS "chapter;lesson" TIMEOUT 60)
    endif()
  endforeach()
  if(ASYNCLINGS_BUILD_PROJECT_TESTS AND EXISTS ${chapter_dir}/README.md)
    add_test(NAME "${chapter}/lesson/quotes-snippets-verbatim"
      COMMAND ${CMAKE_COMMAND} -DCHAPTER_DIR=${chapter_dir} -P ${PROJECT_SOURCE_DIR}/cmake/CheckLessonSnippets.cmake)
    set_tests_properties("${chapter}/lesson/quotes-snippets-verbatim" PROPERTIES LABELS "chapter;lesson")
  endif()
endfunction()

# A lesson that belongs to no chapter (docs/<name>/README.md with its snippets/, e.g.
# docs/asio-vocabulary): its snippets are built and run, and quoted verbatim, as a chapter's.
function(asynclings_lesson name lesson_dir)
  add_custom_target(${name}-solutions)
  _asynclings_add_lesson_snippets(${name} ${lesson_dir})
endfunction()

function(asynclings_add_all_chapters)
  # One precompiled header for every exercise test: Asio and GoogleTest parsed once.
  add_library(asynclings_chapter_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cpp)
  target_link_libraries(asynclings_chapter_pch PRIVATE asynclings::testkit_main)
  target_precompile_headers(asynclings_chapter_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/chapter_pch.hpp)
  target_compile_options(asynclings_chapter_pch PRIVATE ${ASYNCLINGS_CHAPTER_FLAGS})

  _asynclings_build_chapter_tool(tool)
  set(ASYNCLINGS_CHAPTER_TOOL ${tool})
  # Re-read when a manifest changes or a chapter appears.
  file(GLOB manifests CONFIGURE_DEPENDS ${ASYNCLINGS_EXERCISES_DIR}/ch*/chapter.json)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${manifests})
  set(exported ${PROJECT_BINARY_DIR}/chapters.cmake)
  execute_process(COMMAND ${tool} export ${PROJECT_SOURCE_DIR} ${exported}
    RESULT_VARIABLE result ERROR_VARIABLE errors)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "The chapter manifests cannot be read:\n${errors}")
  endif()
  include(${exported})
  asynclings_lesson(asio-vocabulary ${PROJECT_SOURCE_DIR}/docs/asio-vocabulary)
endfunction()
