// The compiled part of Boost.Process v2 (1.81 needs exactly one translation unit like this
// when BOOST_PROCESS_V2_SEPARATE_COMPILATION is defined).
#include <boost/process/v2/src.hpp>
