// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// The one view of DstackCluster a consumer needs.
interface IDstackClusterAttestations {
    function verifyAttestation(bytes32 appId, bytes calldata data, bytes calldata sig) external view returns (bool);
}

/// @title AttestationConsumer
/// @notice An example of a contract that acts only on data a cluster app attested: an app in the cluster
/// asks its agent for `ClusterAttest(data)`, anyone submits `(data, signature)` here, and the data is
/// accepted when the cluster contract says its signer attested it for this app.
contract AttestationConsumer {
    IDstackClusterAttestations public immutable cluster;
    bytes32 public immutable appId;

    mapping(bytes32 => bool) public accepted;

    event Accepted(bytes32 indexed dataHash, bytes data);

    error NotAttested();

    constructor(IDstackClusterAttestations cluster_, bytes32 appId_) {
        cluster = cluster_;
        appId = appId_;
    }

    /// @notice Whether the cluster attested `data` for this consumer's app.
    function check(bytes calldata data, bytes calldata sig) external view returns (bool) {
        return cluster.verifyAttestation(appId, data, sig);
    }

    /// @notice Records `data` when the cluster attested it for this consumer's app; reverts `NotAttested` otherwise.
    function submit(bytes calldata data, bytes calldata sig) external {
        if (!cluster.verifyAttestation(appId, data, sig)) revert NotAttested();
        accepted[keccak256(data)] = true;
        emit Accepted(keccak256(data), data);
    }
}
