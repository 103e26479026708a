// Result<T>: a value or an Error. Library code returns these; only the CLI prints.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace kc {

// An error a caller can show to a person. `message` is one sentence in plain words;
// `detail` holds the rest (a log, a list of candidates), already formatted.
struct Error {
    std::string message;
    std::string detail;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}              // NOLINT: implicit by design
    Result(Error error) : v_(std::move(error)) {}          // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

// For operations that return nothing but may fail.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message, std::string detail = {}) {
    return Error{std::move(message), std::move(detail)};
}

}  // namespace kc
