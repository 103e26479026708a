// A small well-formedness check of XML text (the SVG charts): tags nest and close, one root,
// attributes quoted, `&` only in the five predefined entities or numeric ones. Not a parser.
#pragma once

#include <string>

namespace kc::test {

// Empty when `xml` is well-formed; else what is wrong and where.
std::string xml_problem(const std::string& xml);

}  // namespace kc::test
