# A chapter is data: exercises/chNN-topic/chapter.json lists its exercises, the files a
# student edits, the test of each exercise and its wrong-solution fixtures. This file turns
# every chapter folder it finds into build targets; no central list names them.
#
# Per exercise it builds one test executable per variant:
#   <chapter>-<ex>-exercise        the student's files (exercises/, or the submission's)
#   <chapter>-<ex>-solution        solutions/<chapter>/
#   <chapter>-<ex>-mistake-<name>  the solution with one file replaced by a fixture
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

# Reads <key> of a JSON object into <out>; empty when absent.
function(_asynclings_json out json)
  string(JSON value ERROR_VARIABLE err GET "${json}" ${ARGN})
  if(err)
    set(value "")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

function(_asynclings_json_length out json)
  string(JSON n ERROR_VARIABLE err LENGTH "${json}" ${ARGN})
  if(err)
    set(n 0)
  endif()
  set(${out} ${n} PARENT_SCOPE)
endfunction()

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
endfunction()

function(asynclings_add_chapter chapter_dir)
  get_filename_component(chapter ${chapter_dir} NAME)
  set(manifest_path ${chapter_dir}/chapter.json)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${manifest_path})
  file(READ ${manifest_path} manifest)
  string(JSON probe ERROR_VARIABLE parse_error TYPE "${manifest}" exercises)
  if(parse_error)
    message(FATAL_ERROR "${manifest_path}: not a valid chapter manifest: ${parse_error}")
  endif()

  set(solution_dir ${ASYNCLINGS_SOLUTIONS_DIR}/${chapter})
  if(ASYNCLINGS_SUBMISSION_DIR)
    set(student_dir ${ASYNCLINGS_SUBMISSION_DIR}/exercises/${chapter})
  else()
    set(student_dir ${chapter_dir})
  endif()

  foreach(variant exercises solutions mistakes)
    add_custom_target(${chapter}-${variant})
  endforeach()
  # What a chapter's tests need beyond the testkit (a helper program, a support library)
  # lives in its support/ folder; a target named <chapter>-support is linked into every
  # exercise executable of the chapter.
  if(EXISTS ${chapter_dir}/support/CMakeLists.txt)
    add_subdirectory(${chapter_dir}/support ${PROJECT_BINARY_DIR}/chapter-support/${chapter})
  endif()
  _asynclings_add_lesson_snippets(${chapter} ${chapter_dir})

  _asynclings_json_length(count "${manifest}" exercises)
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    _asynclings_json(exercise "${manifest}" exercises ${i})
    _asynclings_json(id "${exercise}" id)
    _asynclings_json(test "${exercise}" test)
    _asynclings_json_length(edit_count "${exercise}" edit)
    set(edits "")
    math(EXPR edit_last "${edit_count} - 1")
    foreach(j RANGE ${edit_last})
      _asynclings_json(file "${exercise}" edit ${j})
      list(APPEND edits ${file})
    endforeach()
    set(test_file ${chapter_dir}/${test})
    # Exercises that measure CPU scaling need both cores: their tests run alone.
    _asynclings_json(exclusive_cpu "${exercise}" exclusive_cpu)
    _asynclings_json(memory_limit_mb "${exercise}" memory_limit_mb)
    set(memory_limit_args "")
    if(memory_limit_mb)
      set(memory_limit_args --memory-limit-mb ${memory_limit_mb})
    endif()
    set(serial FALSE)
    if(exclusive_cpu STREQUAL "ON" OR exclusive_cpu STREQUAL "TRUE" OR exclusive_cpu STREQUAL "true")
      set(serial TRUE)
      # tests/CMakeLists.txt checks that the property really reached the discovered tests.
      set_property(GLOBAL APPEND PROPERTY ASYNCLINGS_SERIAL_TEST_PREFIXES "${chapter}/${id}/")
    endif()
    set(prefix ${chapter}-${id})

    _asynclings_exercise_executable(${prefix}-exercise ${test_file} "${edits}" "${student_dir}" ${chapter}-exercises ${chapter})
    _asynclings_exercise_executable(${prefix}-solution ${test_file} "${edits}" "${solution_dir}" ${chapter}-solutions ${chapter})

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

    if(ASYNCLINGS_BUILD_MISTAKES)
      _asynclings_json_length(mistake_count "${exercise}" mistakes)
      if(mistake_count GREATER 0)
        math(EXPR mistake_last "${mistake_count} - 1")
        foreach(k RANGE ${mistake_last})
          _asynclings_json(name "${exercise}" mistakes ${k} name)
          _asynclings_json(replaces "${exercise}" mistakes ${k} replaces)
          _asynclings_json(fixture "${exercise}" mistakes ${k} fixture)
          _asynclings_json(diagnosis "${exercise}" mistakes ${k} diagnosis)
          # The fixture takes the replaced file's name in a folder searched before the
          # solution's, so the test includes it unchanged.
          set(fixture_dir ${PROJECT_BINARY_DIR}/mistakes/${chapter}/${id}-${name})
          configure_file(${solution_dir}/${fixture} ${fixture_dir}/${replaces} COPYONLY)
          _asynclings_exercise_executable(${prefix}-mistake-${name} ${test_file} "${edits}"
            "${fixture_dir};${solution_dir}" ${chapter}-mistakes ${chapter})
          if(ASYNCLINGS_BUILD_PROJECT_TESTS)
            add_test(NAME "${chapter}/${id}/mistake/${name}"
              COMMAND grader expect-diagnosis
                      --binary $<TARGET_FILE:${prefix}-mistake-${name}>
                      --diagnosis ${diagnosis} ${memory_limit_args})
            set_tests_properties("${chapter}/${id}/mistake/${name}" PROPERTIES
              LABELS "chapter;mistake" TIMEOUT 120 RUN_SERIAL ${serial})
          endif()
        endforeach()
      endif()
    endif()
  endforeach()
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

function(asynclings_add_all_chapters)
  # One precompiled header for every exercise test: Asio and GoogleTest parsed once.
  add_library(asynclings_chapter_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cpp)
  target_link_libraries(asynclings_chapter_pch PRIVATE asynclings::testkit_main)
  target_precompile_headers(asynclings_chapter_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/chapter_pch.hpp)
  target_compile_options(asynclings_chapter_pch PRIVATE ${ASYNCLINGS_CHAPTER_FLAGS})

  file(GLOB chapter_dirs LIST_DIRECTORIES true CONFIGURE_DEPENDS ${ASYNCLINGS_EXERCISES_DIR}/ch*)
  list(SORT chapter_dirs)
  foreach(dir IN LISTS chapter_dirs)
    if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/chapter.json)
      asynclings_add_chapter(${dir})
    endif()
  endforeach()
endfunction()
