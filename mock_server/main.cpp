// agentwork-mock: the bundled mock Agentwork server as a stand-alone program.
#include <CLI/CLI.hpp>

#include "common/version.hpp"
#include "mock_server/mock_cli.hpp"

int main(int argc, char** argv) {
  agentwork::mock::MockCliOptions options;
  CLI::App cli{
      "agentwork-mock: a stand-in for the Agentwork API (spec/CONTRACT.md) with a scripted, "
      "seeded agent per task, a virtual clock, fault injection and a control API under /_mock/."};
  cli.get_formatter()->column_width(34);
  std::string version = agentwork::version_text("agentwork-mock");
  version.pop_back();  // CLI11 ends the line
  cli.set_version_flag("--version", version);
  agentwork::mock::add_mock_options(cli, options);
  cli.footer(
      std::string(
          "\nExamples:\n"
          "  agentwork-mock --port 8080 --control --time-scale 0.01\n"
          "  agentwork-mock --port 0 --port-file port.txt --frozen-clock --control --seed 7\n"
          "  agentwork-mock --tls-cert cert.pem --tls-key key.pem --threads 2 --log requests\n"
          "  agentwork-mock --deployment-like --stall-rate 0.1 --time-scale 0.05\n\n") +
      agentwork::mock::kMockExitCodes);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);  // prints the message
    return 2;
  }
  return agentwork::mock::run_mock(options, "agentwork-mock");
}
