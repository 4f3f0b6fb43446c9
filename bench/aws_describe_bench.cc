// What reading EC2's XML costs doctor --aws: converting one describe-instances page of 1000
// instances (the largest page it asks for) into the AWS CLI's JSON, against the baseline of
// parsing that same CLI JSON with nlohmann::json, which is what a snapshot directory costs.
// Prints both, then the ratio and the bytes of each form. See bench/README.md.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "aws/query_xml.h"

namespace {

constexpr int kInstances = 1000;

// One reservation per instance, as run-instances one at a time leaves them; every field
// doctor reads is present, plus the usual bulk around it.
std::string InstancesPage() {
  std::string xml =
      "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
      "<requestId>bench</requestId><reservationSet>";
  for (int i = 0; i < kInstances; ++i) {
    std::string ip = fmt::format("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
    xml += fmt::format(
        "<item><reservationId>r-{0:017x}</reservationId><ownerId>210987654321</ownerId>"
        "<groupSet/><instancesSet><item><instanceId>i-{0:017x}</instanceId>"
        "<imageId>ami-0123456789abcdef0</imageId><instanceState><code>16</code><name>running"
        "</name></instanceState><privateDnsName>ip-{1}.ec2.internal</privateDnsName>"
        "<dnsName/><reason/><amiLaunchIndex>0</amiLaunchIndex><productCodes/>"
        "<instanceType>m5.large</instanceType><launchTime>2026-12-01T10:00:00.000Z</launchTime>"
        "<placement><availabilityZone>eu-west-1a</availabilityZone><tenancy>default</tenancy>"
        "</placement><monitoring><state>disabled</state></monitoring>"
        "<subnetId>subnet-0a</subnetId><vpcId>vpc-0f</vpcId><privateIpAddress>{1}"
        "</privateIpAddress><sourceDestCheck>true</sourceDestCheck><groupSet><item>"
        "<groupId>sg-0aaa</groupId><groupName>nodes</groupName></item></groupSet>"
        "<architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType>"
        "<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-{0:x}"
        "</volumeId><status>attached</status><attachTime>2026-12-01T10:00:01.000Z</attachTime>"
        "<deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>"
        "<networkInterfaceSet><item><networkInterfaceId>eni-{0:x}</networkInterfaceId>"
        "<subnetId>subnet-0a</subnetId><vpcId>vpc-0f</vpcId><status>in-use</status>"
        "<privateIpAddress>{1}</privateIpAddress><sourceDestCheck>true</sourceDestCheck>"
        "<groupSet><item><groupId>sg-0aaa</groupId><groupName>nodes</groupName></item>"
        "</groupSet><attachment><deviceIndex>0</deviceIndex><deleteOnTermination>true"
        "</deleteOnTermination></attachment><privateIpAddressesSet><item><privateIpAddress>{1}"
        "</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>"
        "<ipv6AddressesSet/></item></networkInterfaceSet><tagSet><item><key>Name</key>"
        "<value>node-{0}</value></item></tagSet></item></instancesSet></item>",
        i, ip);
  }
  return xml + "</reservationSet></DescribeInstancesResponse>";
}

const std::string& Xml() {
  static const std::string xml = InstancesPage();
  return xml;
}

const std::string& CliJson() {
  static const std::string json =
      pullkeeper::aws::QueryXmlToCliJson(Xml(), pullkeeper::aws::QueryDialect::kEc2)->dump(4);
  return json;
}

void BM_ParseCliJson_Baseline(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(CliJson()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(CliJson().size()));
}
BENCHMARK(BM_ParseCliJson_Baseline)->Unit(benchmark::kMillisecond);

void BM_ConvertEc2Xml(benchmark::State& state) {
  for (auto _ : state) {
    auto converted = pullkeeper::aws::QueryXmlToCliJson(Xml(), pullkeeper::aws::QueryDialect::kEc2);
    if (!converted.ok()) state.SkipWithError(converted.status().message().c_str());
    benchmark::DoNotOptimize(converted);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Xml().size()));
}
BENCHMARK(BM_ConvertEc2Xml)->Unit(benchmark::kMillisecond);

// Keeps the console output and remembers each run's time for the ratio.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Iteration)
        times_[run.benchmark_name()] = run.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  auto baseline = reporter.times_.find("BM_ParseCliJson_Baseline");
  auto convert = reporter.times_.find("BM_ConvertEc2Xml");
  std::printf("\n%d instances: EC2 XML %zu bytes, CLI JSON %zu bytes\n", kInstances, Xml().size(),
              CliJson().size());
  if (baseline != reporter.times_.end() && convert != reporter.times_.end() &&
      baseline->second > 0) {
    std::printf("XML -> CLI JSON / parse CLI JSON (baseline, same run): %.2fx\n",
                convert->second / baseline->second);
  }
  benchmark::Shutdown();
  return 0;
}
