// Every documented --json schema (docs/schema/*.schema.json) holds for what the program prints.
// A small validator for the JSON Schema keywords the documents use: type, enum, required,
// properties, items.
#include <gtest/gtest.h>

#include <fstream>

#include "report/render.h"
#include "support/cli.h"

namespace kc::test {
namespace {

using nlohmann::json;

bool has_type(const json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "integer") return v.is_number_integer();
    if (t == "number") return v.is_number();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    return false;
}

void validate(const json& v, const json& schema, const std::string& path, std::vector<std::string>& errors) {
    if (schema.contains("type") && !has_type(v, schema["type"].get<std::string>())) {
        errors.push_back(path + ": not " + schema["type"].get<std::string>() + ": " + v.dump().substr(0, 80));
        return;
    }
    if (schema.contains("enum")) {
        bool found = false;
        for (const auto& e : schema["enum"]) found = found || e == v;
        if (!found) errors.push_back(path + ": " + v.dump() + " is not one of " + schema["enum"].dump());
    }
    if (v.is_object()) {
        const json required = schema.value("required", json::array());  // held: items() must not dangle
        const json properties = schema.value("properties", json::object());
        for (const auto& r : required)
            if (!v.contains(r.get<std::string>())) errors.push_back(path + ": missing " + r.get<std::string>());
        for (const auto& [k, sub] : properties.items())
            if (v.contains(k)) validate(v[k], sub, path + "." + k, errors);
    }
    if (v.is_array() && schema.contains("items"))
        for (size_t i = 0; i < v.size(); ++i) validate(v[i], schema["items"], path + "[" + std::to_string(i) + "]", errors);
}

json schema(const std::string& name) {
    std::ifstream in(source_dir() / "docs/schema" / (name + ".schema.json"));
    return json::parse(in);
}

void expect_valid(const json& doc, const std::string& name) {
    std::vector<std::string> errors;
    validate(doc, schema(name), "$", errors);
    for (const auto& e : errors) ADD_FAILURE() << name << ": " << e;
}

TEST(JsonSchema, TheValidatorCatchesViolations) {
    std::vector<std::string> errors;
    json bad = json::parse(R"({"schema": 2, "course": "x", "modules": [{"id": 3}]})");
    validate(bad, schema("list"), "$", errors);
    EXPECT_GE(errors.size(), 3u);  // wrong schema number, wrong id type, missing fields
}

TEST(JsonSchema, ASpeedGateFollowsTheCheckSchema) {
    engine::Grade g;
    g.module_id = "fixtures/09";
    g.verdict = grade::Verdict::TooSlow;
    g.summary = "too slow: ...";
    engine::SpeedGate gate;
    gate.target = 0.5;
    gate.each = {{0.016, 0.017, 0.018, 40}};
    gate.spread = gate.each.front();
    gate.decision = {grade::GateCall::TooSlow, false};
    gate.reasons = {"it moves the minimum 403 MB at 67 GB/s"};
    g.gates = {gate};
    const json doc = {{"schema", 1}, {"seed", 1}, {"device", {{"available", false}}},
                      {"results", json::array({report::grade_json(g)})}, {"counts", json::object()}};
    expect_valid(doc, "check");
    json broken = doc;
    broken["results"][0]["gate"].erase("passed");
    std::vector<std::string> errors;
    validate(broken, schema("check"), "$", errors);
    EXPECT_EQ(errors.size(), 1u);
}

class JsonOutput : public ::testing::Test {
protected:
    void SetUp() override { copy_course(source_dir(), dir.path()); }
    json kc(std::vector<std::string> args) {
        args.insert(args.begin(), {"--course", dir.path().string(), "--json"});
        return run_cli(args).json();
    }
    TempDir dir;
};

TEST_F(JsonOutput, ListFollowsItsSchema) {
    expect_valid(kc({"list"}), "list");
    // A failed attempt of an edited starter: status "failed" (an untouched one stays not started).
    std::ofstream(dir.path() / "tracks/missing-elements/module-01-vector-add/kernel.cu", std::ios::app) << "// mine\n";
    kc({"run", "missing-elements/01"});
    auto after = kc({"list"});
    expect_valid(after, "list");
    bool failed = false;
    for (const auto& m : after["modules"]) failed = failed || (m["id"] == "missing-elements/01" && m["status"] == "failed");
    EXPECT_TRUE(failed) << after.dump(2);
}

TEST_F(JsonOutput, ProgressFollowsItsSchema) {
    expect_valid(kc({"progress"}), "progress");
    kc({"run", "missing-elements/01"});
    expect_valid(kc({"progress"}), "progress");
}

TEST_F(JsonOutput, AModuleWithPartsFollowsTheSchemas) {
    TempDir fixtures;
    copy_course(fixture_course(), fixtures.path());
    auto kc_fixtures = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--course", fixtures.path().string(), "--json"});
        return run_cli(args).json();
    };
    write_text(fixtures.path() / "tracks/fixtures/module-15-parts/convert.cu", "does not compile\n");
    const json checked = kc_fixtures({"check", "fixtures/15"});
    expect_valid(checked, "check");
    EXPECT_EQ(checked.at("modules").size(), 1u);
    const json listed = kc_fixtures({"list"});
    expect_valid(listed, "list");
    EXPECT_EQ(listed.at("modules")[14].at("parts").size(), 2u);
    const json shown = kc_fixtures({"progress"});
    expect_valid(shown, "progress");
    EXPECT_EQ(shown.at("tracks").back().at("modules")[14].at("parts").size(), 2u);
}

TEST_F(JsonOutput, CheckFollowsItsSchema) {
    expect_valid(kc({"check", "--all"}), "check");
    TempDir fixtures;
    copy_course(fixture_course(), fixtures.path());
    auto r = run_cli({"--course", fixtures.path().string(), "--json", "check", "--all", "--timeout", "4"});
    expect_valid(r.json(), "check");
}

}  // namespace
}  // namespace kc::test
