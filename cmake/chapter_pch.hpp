// The heavy headers exercise tests and student code use, parsed once for all chapters.
// Beast is deliberately absent: student translation units never need it.
#pragma once
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <gtest/gtest.h>
#include <chrono>
#include <coroutine>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>
