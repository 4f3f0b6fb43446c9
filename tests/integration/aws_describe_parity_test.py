"""Parity of pullkeeper's EC2/ELBv2 describe client with the AWS CLI, against one moto.

moto runs with IAM and SigV4 enforced; outage_network builds the salon outage's network in
it. The client (through tests/aws/network_describe_dump.cc) and `aws ec2/elbv2 describe-*`
then read the same account with the same keys, and their JSON must be equal: on every field
doctor reads without exception, and on whole documents except for the differences listed in
KNOWN_DIFFERENCES, each with its reason. Also: a user without the ELB permission gets EC2
plus a warning naming the missing action, and a wrong secret is refused as unauthenticated.

Usage: aws_describe_parity_test.py (ctest passes the dump binary in
PULLKEEPER_AWS_DESCRIBE_DUMP). Exits 77 when moto, the AWS CLI or the binary is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from outage_network import build_outage_network  # noqa: E402

DESCRIBE_ALL = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["ec2:Describe*", "elasticloadbalancing:Describe*"],
    "Resource": "*"}]}
DESCRIBE_EC2_ONLY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"}]}

# The fields doctor's network checks read (src/doctor/*), per document; list levels are
# implicit. These must match the CLI exactly.
DOCTOR_FIELDS = {
    "security_groups": [
        "SecurityGroups.GroupId", "SecurityGroups.GroupName", "SecurityGroups.VpcId",
        "SecurityGroups.OwnerId", "SecurityGroups.IpPermissions.IpProtocol",
        "SecurityGroups.IpPermissions.FromPort", "SecurityGroups.IpPermissions.ToPort",
        "SecurityGroups.IpPermissions.UserIdGroupPairs",
        "SecurityGroups.IpPermissions.IpRanges", "SecurityGroups.IpPermissions.Ipv6Ranges",
        "SecurityGroups.IpPermissions.PrefixListIds"],
    "instances": [
        "Reservations.Instances.InstanceId", "Reservations.Instances.PrivateIpAddress",
        "Reservations.Instances.VpcId", "Reservations.Instances.SubnetId",
        "Reservations.Instances.State", "Reservations.Instances.SecurityGroups",
        "Reservations.Instances.NetworkInterfaces.PrivateIpAddresses",
        "Reservations.Instances.NetworkInterfaces.Groups"],
    "load_balancers": [
        "LoadBalancers.LoadBalancerArn", "LoadBalancers.LoadBalancerName",
        "LoadBalancers.DNSName", "LoadBalancers.Type", "LoadBalancers.Scheme",
        "LoadBalancers.VpcId", "LoadBalancers.IpAddressType", "LoadBalancers.State",
        "LoadBalancers.SecurityGroups", "LoadBalancers.AvailabilityZones"],
    "target_groups": [
        "TargetGroups.TargetGroupArn", "TargetGroups.TargetGroupName", "TargetGroups.Protocol",
        "TargetGroups.Port", "TargetGroups.VpcId", "TargetGroups.TargetType",
        "TargetGroups.LoadBalancerArns", "TargetGroups.HealthCheckPort",
        "TargetGroups.HealthCheckProtocol", "TargetGroups.HealthCheckEnabled"],
    "listeners": [
        "Listeners.ListenerArn", "Listeners.LoadBalancerArn", "Listeners.Port",
        "Listeners.Protocol"],
    "target_health": [
        "TargetGroupArn", "TargetHealthDescriptions.Target",
        "TargetHealthDescriptions.HealthCheckPort", "TargetHealthDescriptions.TargetHealth"],
}

# Where whole documents may differ, as (document, path) -> why. Empty means none do.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {}


def pick(value, path: list[str]):
    """The values at `path` (list levels flattened), in document order."""
    if not path:
        return [value]
    if isinstance(value, list):
        return [found for item in value for found in pick(item, path)]
    if isinstance(value, dict) and path[0] in value:
        return pick(value[path[0]], path[1:])
    return [("<missing>",)]


def differences(ours, theirs, path: str = "") -> list[str]:
    """Dotted paths (list levels as [i]) where two documents differ, with both values."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(set(ours) | set(theirs)):
            child = f"{path}.{key}" if path else key
            if key not in ours:
                found.append(f"{child}: missing in ours, CLI has {theirs[key]!r}")
            elif key not in theirs:
                found.append(f"{child}: only in ours ({ours[key]!r})")
            else:
                found += differences(ours[key], theirs[key], child)
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [d for i, (a, b) in enumerate(zip(ours, theirs))
                for d in differences(a, b, f"{path}[{i}]")]
    if ours != theirs or type(ours) is not type(theirs):
        return [f"{path}: ours {ours!r}, CLI {theirs!r}"]
    return []


def generic(path_with_indexes: str) -> str:
    """'SecurityGroups[0].IpPermissions[1].FromPort: ...' -> 'SecurityGroups.IpPermissions.FromPort'"""
    import re
    return re.sub(r"\[\d+\]", "", path_with_indexes.split(":")[0])


class DescribeParityTest(harness.IntegrationTestCase):
    @classmethod
    def start_parts(cls) -> None:
        dump = os.environ.get("PULLKEEPER_AWS_DESCRIBE_DUMP", "")
        if not dump or not os.access(dump, os.X_OK):
            raise unittest.SkipTest("aws_network_describe_dump not built "
                                    "(PULLKEEPER_AWS_DESCRIBE_DUMP)")
        if shutil.which("aws") is None:
            raise unittest.SkipTest("the AWS CLI is not installed")
        cls.dump = dump
        cls.moto = harness.Moto(cls.workspace)
        cls.network = build_outage_network(cls.moto.endpoint_url)
        iam = cls.moto.client("iam")
        cls.keys = {}
        for user, policy in (("doctor", DESCRIBE_ALL), ("ec2-only", DESCRIBE_EC2_ONLY)):
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="describe",
                                PolicyDocument=json.dumps(policy))
            key = iam.create_access_key(UserName=user)["AccessKey"]
            cls.keys[user] = harness.AccessKey(user, key["AccessKeyId"], key["SecretAccessKey"])
        cls.moto.enforce_auth()

    def environment(self, key: harness.AccessKey) -> dict[str, str]:
        env = harness.base_environment(self.workspace.subdir("home"))
        env.update(key.environment())
        env["AWS_DEFAULT_REGION"] = harness.REGION
        env["AWS_PAGER"] = ""
        return env

    def run_dump(self, key: harness.AccessKey) -> tuple[int, dict]:
        result = subprocess.run([self.dump, harness.REGION, self.moto.endpoint_url],
                                env=self.environment(key), capture_output=True, text=True,
                                timeout=60)
        harness.assert_no_secret_in(result.stdout + result.stderr,
                                    {"secret access key": key.secret_access_key})
        self.assertIn(result.returncode, (0, 1), harness.describe_run(result))
        return result.returncode, json.loads(result.stdout)

    def aws(self, key: harness.AccessKey, *args: str) -> dict:
        result = subprocess.run(["aws", "--endpoint-url", self.moto.endpoint_url, "--output",
                                 "json", *args], env=self.environment(key),
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, harness.describe_run(result))
        return json.loads(result.stdout)

    def cli_documents(self, key: harness.AccessKey) -> dict:
        documents = {
            "security_groups": self.aws(key, "ec2", "describe-security-groups"),
            "instances": self.aws(key, "ec2", "describe-instances"),
            "load_balancers": self.aws(key, "elbv2", "describe-load-balancers"),
            "target_groups": self.aws(key, "elbv2", "describe-target-groups"),
        }
        listeners = []
        for balancer in documents["load_balancers"]["LoadBalancers"]:
            listeners += self.aws(key, "elbv2", "describe-listeners", "--load-balancer-arn",
                                  balancer["LoadBalancerArn"])["Listeners"]
        documents["listeners"] = {"Listeners": listeners}
        health = []
        for group in documents["target_groups"]["TargetGroups"]:
            document = self.aws(key, "elbv2", "describe-target-health", "--target-group-arn",
                                group["TargetGroupArn"])
            document["TargetGroupArn"] = group["TargetGroupArn"]
            health.append(document)
        documents["target_health"] = health
        return documents

    def test_documents_equal_what_the_cli_prints(self) -> None:
        key = self.keys["doctor"]
        code, ours = self.run_dump(key)
        self.assertEqual(code, 0, ours)
        self.assertEqual(ours["warnings"], [])
        theirs = self.cli_documents(key)

        # The world is the outage: the balancer wears the nodes' group.
        balancer = ours["load_balancers"]["LoadBalancers"][0]
        self.assertEqual(balancer["SecurityGroups"], [self.network.app_group_id])
        self.assertEqual(ours["target_groups"]["TargetGroups"][0]["Port"], 31080)
        self.assertEqual(ours["listeners"]["Listeners"][0]["Port"], 443)
        self.assertEqual(sorted(t["Target"]["Id"] for t in
                                ours["target_health"][0]["TargetHealthDescriptions"]),
                         sorted(self.network.instance_ids))

        for document, fields in DOCTOR_FIELDS.items():
            for field in fields:
                path = field.split(".")
                self.assertEqual(pick(ours[document], path), pick(theirs[document], path),
                                 f"{document}: {field}")

        unexplained = []
        for document in DOCTOR_FIELDS:
            for difference in differences(ours[document], theirs[document]):
                if (document, generic(difference)) not in KNOWN_DIFFERENCES:
                    unexplained.append(f"{document}: {difference}")
        self.assertEqual(unexplained, [], "\n".join(unexplained))
        # Six list calls, one listener call per balancer, one health call per group.
        self.assertEqual(ours["requests"], 6)

    def test_user_without_elb_permission_gets_ec2_and_a_warning(self) -> None:
        code, ours = self.run_dump(self.keys["ec2-only"])
        self.assertEqual(code, 0, ours)
        groups = {g["GroupName"] for g in ours["security_groups"]["SecurityGroups"]}
        self.assertTrue({"salon-alb", "salon-app"} <= groups, groups)
        self.assertIsNone(ours["load_balancers"])
        self.assertEqual(len(ours["warnings"]), 2, ours["warnings"])
        self.assertIn("elasticloadbalancing:DescribeLoadBalancers", ours["warnings"][0])
        self.assertIn("AccessDenied", ours["warnings"][0])
        self.assertIn("docs/doctor-aws-permissions.md", ours["warnings"][0])

    def test_wrong_secret_is_unauthenticated(self) -> None:
        right = self.keys["doctor"]
        wrong = harness.AccessKey(right.user_name, right.access_key_id, "not-the-secret-at-all")
        code, ours = self.run_dump(wrong)
        self.assertEqual(code, 1, ours)
        self.assertEqual(ours["error"]["code"], "UNAUTHENTICATED", ours)
        # EC2 says AuthFailure for a wrong secret (moto as AWS), not SignatureDoesNotMatch.
        self.assertIn("AuthFailure", ours["error"]["message"])
        self.assertIn("ec2:DescribeSecurityGroups", ours["error"]["message"])
        harness.assert_no_secret_in(ours["error"]["message"],
                                    {"access key id": right.access_key_id})


if __name__ == "__main__":
    harness.main()
