# The desired state of one dual-stack Kubernetes Node with every kind of traffic accelerated; samples/node.json says
# the same in JSON. Apply it with
#     Sync-AccelConfiguration -Path samples/node.psd1
# Keys are AccelConfiguration's property names, which are also New-AccelConfiguration's parameters, in any case.
# A setting left out takes the default of Antrea's design: table antrea, sets peer-pod-cidr, external-ip and peer-node-ip,
# flowtable fastpath at priority filter, chain forward, gateway antrea-gw0.
@{
    # The interface to the other Nodes, and one more flowtable device that NodePort and LoadBalancer traffic
    # arrives on. The gateway, antrea-gw0, is the default.
    TransportInterface  = 'eth0'
    Devices             = 'eth1'

    # This Node's Pod CIDRs, one per family: an ip and an ip6 table are managed.
    LocalPodCidr        = '10.244.2.0/24', 'fd00:10:244:2::/64'

    # The other Nodes' Pod CIDRs (the peer-pod-cidr sets).
    PeerPodCidr         = '10.244.0.0/24', '10.244.1.0/24', 'fd00:10:244::/64', 'fd00:10:244:1::/64'

    # Every traffic type; 'All' says the same.
    Traffic             = 'PodToPod, ExternalToPod, ExternalToNodePort, ExternalIP, FullPath'

    # LoadBalancer ingress IPs and External IPs (ExternalIP traffic, the external-ip sets).
    ExternalIP          = '192.0.2.10', '192.0.2.11', '2001:db8::10'

    # The other Nodes' transport addresses (FullPath traffic, the peer-node-ip sets).
    PeerNodeIP          = '172.18.0.2', '172.18.0.3', 'fc00:f853:ccd:e793::2', 'fc00:f853:ccd:e793::3'

    # Antrea's virtual addresses, one per family: external traffic to Pods is SNATed to the first list
    # (ExternalToPod), NodePort traffic DNATed to the second (ExternalToNodePort). These are the defaults.
    ServiceSnatAddress  = '169.254.0.253', 'fc01::aabb:ccdd:eeff'
    NodePortDnatAddress = '169.254.0.252', 'fc01::aabb:ccdd:eefe'

    # The flowtable's counter flag (kernel 5.7): offloaded packets are counted on their conntrack entries.
    Counter             = $true
}
