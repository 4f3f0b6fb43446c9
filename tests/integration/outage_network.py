"""The salon outage's AWS network, built in an already-running moto.

build_outage_network(endpoint_url) creates, in the default VPC of us-east-1:

  * security group `salon-alb`, admitting tcp 443 from 0.0.0.0/0: the group the load
    balancer was meant to wear;
  * security group `salon-app`, admitting tcp 30000-32767 (the NodePort range) only from
    `salon-alb`: the nodes' group;
  * two instances from run-instances wearing `salon-app` (the nodes);
  * an internet-facing application load balancer `salon-staging` that wears `salon-app`
    instead of `salon-alb` - the fault: the nodes admit NodePort traffic from `salon-alb`
    only, so the load balancer cannot reach its targets;
  * an instance target group `salon-frontend` on NodePort 31080 holding both instances;
  * an HTTPS listener on 443 forwarding to the target group.

It is the one place the outage's AWS side is written down, so the describe-client parity
test and the doctor end-to-end test see the same world. It signs with throwaway keys, so
call it while moto still lets every caller through (before /moto-api/reset-auth with 0),
and it returns every id it created (OutageNetwork) so tests can assert on them.
"""

from __future__ import annotations

from dataclasses import dataclass

REGION = "us-east-1"
NODE_PORT = 31080


@dataclass(frozen=True)
class OutageNetwork:
    vpc_id: str
    subnet_ids: tuple[str, ...]
    alb_group_id: str  # salon-alb: what the load balancer should wear
    app_group_id: str  # salon-app: the nodes' group, also (wrongly) the load balancer's
    instance_ids: tuple[str, ...]
    instance_private_ips: tuple[str, ...]
    load_balancer_arn: str
    load_balancer_dns_name: str
    target_group_arn: str
    listener_arn: str
    certificate_arn: str


def _client(service: str, endpoint_url: str, access_key_id: str, secret: str):
    import boto3  # late: only callers that build the world need boto3
    import botocore.config

    return boto3.session.Session().client(
        service, endpoint_url=endpoint_url, region_name=REGION,
        aws_access_key_id=access_key_id, aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 1}, proxies={}))


def build_outage_network(endpoint_url: str, access_key_id: str = "setup",
                         secret_access_key: str = "setup") -> OutageNetwork:
    """Builds the network described in the module docstring in the moto at `endpoint_url`
    (http://127.0.0.1:PORT) and returns the ids it created."""
    ec2 = _client("ec2", endpoint_url, access_key_id, secret_access_key)
    elbv2 = _client("elbv2", endpoint_url, access_key_id, secret_access_key)
    acm = _client("acm", endpoint_url, access_key_id, secret_access_key)

    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    subnet_ids = tuple(sorted(subnet["SubnetId"] for subnet in subnets)[:2])

    alb_group = ec2.create_security_group(GroupName="salon-alb", Description="salon load balancer",
                                          VpcId=vpc_id)["GroupId"]
    app_group = ec2.create_security_group(GroupName="salon-app", Description="salon nodes",
                                          VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb_group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https from anywhere"}]}])
    ec2.authorize_security_group_ingress(GroupId=app_group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 30000, "ToPort": 32767,
        "UserIdGroupPairs": [{"GroupId": alb_group, "Description": "node ports from salon-alb"}]}])

    # moto accepts only AMI ids from its own catalogue; take the first it lists.
    image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    reservation = ec2.run_instances(ImageId=image_id, MinCount=2, MaxCount=2,
                                    InstanceType="t3.medium", SubnetId=subnet_ids[0],
                                    SecurityGroupIds=[app_group], TagSpecifications=[{
                                        "ResourceType": "instance",
                                        "Tags": [{"Key": "Name", "Value": "salon-node"}]}])
    instances = reservation["Instances"]

    certificate_arn = acm.request_certificate(DomainName="staging.salon.example")[
        "CertificateArn"]
    load_balancer = elbv2.create_load_balancer(
        Name="salon-staging", Subnets=list(subnet_ids), SecurityGroups=[app_group],
        Scheme="internet-facing", Type="application")["LoadBalancers"][0]
    target_group = elbv2.create_target_group(
        Name="salon-frontend", Protocol="HTTP", Port=NODE_PORT, VpcId=vpc_id,
        TargetType="instance", HealthCheckPath="/healthz")["TargetGroups"][0]
    elbv2.register_targets(TargetGroupArn=target_group["TargetGroupArn"], Targets=[
        {"Id": instance["InstanceId"], "Port": NODE_PORT} for instance in instances])
    listener = elbv2.create_listener(
        LoadBalancerArn=load_balancer["LoadBalancerArn"], Protocol="HTTPS", Port=443,
        Certificates=[{"CertificateArn": certificate_arn}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group["TargetGroupArn"]}])[
        "Listeners"][0]

    return OutageNetwork(
        vpc_id=vpc_id, subnet_ids=subnet_ids, alb_group_id=alb_group, app_group_id=app_group,
        instance_ids=tuple(instance["InstanceId"] for instance in instances),
        instance_private_ips=tuple(instance["PrivateIpAddress"] for instance in instances),
        load_balancer_arn=load_balancer["LoadBalancerArn"],
        load_balancer_dns_name=load_balancer["DNSName"],
        target_group_arn=target_group["TargetGroupArn"], listener_arn=listener["ListenerArn"],
        certificate_arn=certificate_arn)


if __name__ == "__main__":
    import sys

    print(build_outage_network(sys.argv[1]))
