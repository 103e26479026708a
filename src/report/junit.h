// JUnit XML for CI systems: one testcase per graded module.
#pragma once

#include <string>
#include <vector>

#include "engine/grader.h"

namespace kc::report {

// `grades` as a JUnit document: PASSED passes, SKIPPED is <skipped/>, every other verdict is a
// <failure/> with the summary; `errors` (module id, message) are kernelcoach's own <error/>s.
std::string junit_xml(const std::vector<engine::Grade>& grades,
                      const std::vector<std::pair<std::string, std::string>>& errors);

std::string xml_escape(const std::string& s);

}  // namespace kc::report
