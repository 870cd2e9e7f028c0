// The mock's start-up inputs: --user specs and the users, faults and script files, read from a
// temporary directory. Every error names the file and the JSON path.
#include "mock_server/config_files.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include <unistd.h>

namespace agentwork::mock {
namespace {

namespace fs = std::filesystem;

class ConfigFilesTest : public testing::Test {
 protected:
  ConfigFilesTest() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("agentwork-config-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~ConfigFilesTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::string missing() const { return (dir_ / "missing.json").string(); }

  fs::path dir_;
};

TEST(ParseUserSpec, EmailAndPassword) {
  std::string error;
  auto u = parse_user_spec("ada@example.com:s3cret", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->email, "ada@example.com");
  EXPECT_EQ(u->password, "s3cret");
  EXPECT_EQ(u->name, "");
  EXPECT_EQ(u->organization_name, "");
}

TEST(ParseUserSpec, NameAndOrganization) {
  std::string error;
  auto u = parse_user_spec("ada@example.com:pw:Ada Lovelace:Analytical Engines", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->email, "ada@example.com");
  EXPECT_EQ(u->password, "pw");
  EXPECT_EQ(u->name, "Ada Lovelace");
  EXPECT_EQ(u->organization_name, "Analytical Engines");

  auto name_only = parse_user_spec("a@b.c:pw:Ada", error);
  ASSERT_TRUE(name_only) << error;
  EXPECT_EQ(name_only->name, "Ada");
  EXPECT_EQ(name_only->organization_name, "");

  auto org_only = parse_user_spec("a@b.c:pw::Org", error);
  ASSERT_TRUE(org_only) << error;
  EXPECT_EQ(org_only->name, "");
  EXPECT_EQ(org_only->organization_name, "Org");
}

TEST(ParseUserSpec, OrganizationKeepsItsColons) {
  std::string error;
  auto u = parse_user_spec("a@b.c:pw:Ada:Org: the sequel", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->organization_name, "Org: the sequel");
}

TEST(ParseUserSpec, Errors) {
  for (const std::string bad : {"", "ada@example.com", "ada@example.com:", "ada.example.com:pw",
                                ":pw", "ada@example.com::Ada"}) {
    std::string error;
    EXPECT_FALSE(parse_user_spec(bad, error)) << bad;
    EXPECT_EQ(error, "--user \"" + bad + "\": expected email:password[:name[:organization]]");
  }
}

TEST_F(ConfigFilesTest, UsersFile) {
  const auto path = write("users.json", R"([
      // comments are allowed
      {"email": "a@example.com", "password": "pw"},
      {"email": "b@example.com", "password": "x", "name": "Bee", "organization_name": "Hive"},
      {"email": "c@example.com", "password": "y", "name": null}])");
  std::string error;
  auto users = load_users_file(path, error);
  ASSERT_TRUE(users) << error;
  ASSERT_EQ(users->size(), 3u);
  EXPECT_EQ((*users)[0].email, "a@example.com");
  EXPECT_EQ((*users)[0].password, "pw");
  EXPECT_EQ((*users)[0].name, "");
  EXPECT_EQ((*users)[1].name, "Bee");
  EXPECT_EQ((*users)[1].organization_name, "Hive");
  EXPECT_EQ((*users)[2].email, "c@example.com");
  EXPECT_EQ((*users)[2].name, "");
}

TEST_F(ConfigFilesTest, EmptyUsersFileIsNoUsers) {
  std::string error;
  auto users = load_users_file(write("users.json", "[]"), error);
  ASSERT_TRUE(users) << error;
  EXPECT_TRUE(users->empty());
}

TEST_F(ConfigFilesTest, UsersFileErrors) {
  struct Case {
    const char* text;
    const char* error;  // after "<path>: "
  };
  for (const auto& c : {
           Case{R"({"email":"a@b.c","password":"p"})",
                "$: expected an array of {email, password, name?, organization_name?}"},
           Case{R"([1])", "$[0]: expected an object"},
           Case{R"([{"email":"a@b.c","password":"p"},{"password":"p"}])",
                "$[1].email: required string is missing"},
           Case{R"([{"email":"a@b.c"}])", "$[0].password: required string is missing"},
           Case{R"([{"email":"a@b.c","password":""}])",
                "$[0].password: expected a non-empty string"},
           Case{R"([{"email":5,"password":"p"}])", "$[0].email: expected a non-empty string"},
           Case{R"([{"email":"a@b.c","password":"p","name":7}])",
                "$[0].name: expected a non-empty string"},
           Case{R"([{"email":"a@b.c","password":"p","organization_name":[]}])",
                "$[0].organization_name: expected a non-empty string"},
       }) {
    const auto path = write("users.json", c.text);
    std::string error;
    EXPECT_FALSE(load_users_file(path, error)) << c.text;
    EXPECT_EQ(error, path + ": " + c.error);
  }
}

TEST_F(ConfigFilesTest, MissingAndUnparseableFilesNameTheFile) {
  std::string error;
  EXPECT_FALSE(load_users_file(missing(), error));
  EXPECT_EQ(error, missing() + ": cannot read the file");
  EXPECT_FALSE(load_faults_file(missing(), error));
  EXPECT_EQ(error, missing() + ": cannot read the file");
  EXPECT_FALSE(load_script_file(missing(), error));
  EXPECT_EQ(error, missing() + ": cannot read the file");

  const auto bad = write("bad.json", R"({"steps": [)");
  const auto prefix = bad + ": not valid JSON: parse error at line 1, column 12";
  EXPECT_FALSE(load_users_file(bad, error));
  EXPECT_EQ(error.rfind(prefix, 0), 0u) << error;
  EXPECT_FALSE(load_faults_file(bad, error));
  EXPECT_EQ(error.rfind(prefix, 0), 0u) << error;
  EXPECT_FALSE(load_script_file(bad, error));
  EXPECT_EQ(error.rfind(prefix, 0), 0u) << error;

  const auto empty = write("empty.json", "");
  EXPECT_FALSE(load_script_file(empty, error));
  EXPECT_EQ(error.rfind(empty + ": not valid JSON: ", 0), 0u) << error;
}

// fuzz_mock_files found that a number beyond a double ended the loaders with std::terminate
// (nlohmann throws out_of_range, not parse_error); the input is tests/fuzz/corpus/mock_files/
// crash-2676d655927d76ff0100e057a36e1ad01a9e0bcb. Nesting was not bounded in these files either.
TEST_F(ConfigFilesTest, NumbersBeyondADoubleAndDeepNestingAreErrorsNotCrashes) {
  std::string error;
  const auto huge = write("huge.json", R"([{"action": "latency", "latency_ms": 1e309}])");
  EXPECT_FALSE(load_faults_file(huge, error));
  EXPECT_EQ(error, huge + ": not valid JSON: number overflow parsing '1e309'");
  EXPECT_FALSE(load_script_file(huge, error));
  EXPECT_EQ(error, huge + ": not valid JSON: number overflow parsing '1e309'");
  EXPECT_FALSE(load_users_file(huge, error));
  EXPECT_EQ(error, huge + ": not valid JSON: number overflow parsing '1e309'");

  const auto deep = write("deep.json", std::string(200, '[') + std::string(200, ']'));
  EXPECT_FALSE(load_faults_file(deep, error));
  EXPECT_EQ(error, deep + ": not valid JSON here: nested deeper than 128 levels");
}

TEST_F(ConfigFilesTest, FaultsFileWithSeveralRules) {
  const auto path = write("faults.json", R"([
      {"route": "/api/v1/tasks/{id}", "method": "GET", "action": "status", "status": 503,
       "retry_after": 2, "probability": 0.5},
      /* block comments too */
      {"action": "latency", "latency_ms": 200}])");
  std::string error;
  auto rules = load_faults_file(path, error);
  ASSERT_TRUE(rules) << error;
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].route, "/api/v1/tasks/{id}");
  EXPECT_EQ((*rules)[0].method, "GET");
  EXPECT_EQ((*rules)[0].action, FaultRule::Action::status);
  EXPECT_EQ((*rules)[0].status, 503);
  EXPECT_EQ((*rules)[0].retry_after, 2);
  EXPECT_DOUBLE_EQ((*rules)[0].probability, 0.5);
  EXPECT_EQ((*rules)[1].action, FaultRule::Action::latency);
  EXPECT_EQ((*rules)[1].latency, std::chrono::milliseconds(200));
}

TEST_F(ConfigFilesTest, FaultsFileWithOneRule) {
  std::string error;
  auto rules = load_faults_file(write("faults.json", R"({"action": "drop", "count": 1})"), error);
  ASSERT_TRUE(rules) << error;
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].action, FaultRule::Action::drop);
  EXPECT_EQ((*rules)[0].count, 1);
}

TEST_F(ConfigFilesTest, FaultsFileErrorsNameTheRule) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const auto& c : {
           Case{
               R"([{"action":"drop"},{"action":"explode"}])",
               R"($[1].action: expected "latency", "status", "drop" or "truncate", got "explode")"},
           Case{R"({"action":"status","status":700})",
                "$[0].status: expected an HTTP status 100-599"},
           Case{R"([{"action":"drop","colour":"red"}])",
                "$[0].colour: unknown field (expected method, route, probability, count, skip, "
                "action, latency_ms, status, retry_after, body)"},
           Case{R"([5])", "$[0]: expected a fault rule object"},
       }) {
    const auto path = write("faults.json", c.text);
    std::string error;
    EXPECT_FALSE(load_faults_file(path, error)) << c.text;
    EXPECT_EQ(error, path + ": " + c.error);
  }
}

TEST_F(ConfigFilesTest, ScriptFile) {
  const auto path = write("script.json", R"({"name": "quick", "steps": [
      {"do": "work", "seconds": 1},  // a comment
      {"do": "propose", "files": [{"name": "a.txt", "content": "A"}]}]})");
  std::string error;
  auto script = load_script_file(path, error);
  ASSERT_TRUE(script) << error;
  EXPECT_EQ(script->name, "quick");
  ASSERT_EQ(script->steps.size(), 2u);
  EXPECT_EQ(script->steps[0].kind, Step::Kind::work);
  EXPECT_DOUBLE_EQ(script->steps[0].seconds, 1);
  EXPECT_EQ(script->steps[1].kind, Step::Kind::propose);
  ASSERT_EQ(script->steps[1].files.size(), 1u);
  EXPECT_EQ(script->steps[1].files[0].content, "A");
}

TEST_F(ConfigFilesTest, ScriptFileErrorsNameTheFileAndPath) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const auto& c : {
           Case{R"([])", R"($: expected an object {"name"?, "steps": [...]})"},
           Case{R"({"steps":[{"do":"work","seconds":1},{"do":"ask","questions":[
                    {"type":"single_select","question":"q","options":[]}]}]})",
                "$.steps[1].questions[0].options: a select question needs 1 to 5 options"},
           Case{R"({"steps":[{"do":"work"}]})",
                "$.steps[0].seconds: required number of seconds is missing"},
       }) {
    const auto path = write("script.json", c.text);
    std::string error;
    EXPECT_FALSE(load_script_file(path, error)) << c.text;
    EXPECT_EQ(error, path + ": " + c.error);
  }
}

}  // namespace
}  // namespace agentwork::mock
