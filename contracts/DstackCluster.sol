// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

/// @title dstack4j cluster
/// @notice Owner of one cluster of CVMs that share a secret: the policy of what may join, the cluster's
/// public keys, the join requests and the record of every join. Wire formats: docs/cluster-protocol.md.
/// @dev Every signature is checked strictly (65 bytes, low-s, v in {27, 28}, recovered != 0) and must
/// come from the cluster signer, which is unset (0) until the one governed bootstrap.
contract DstackCluster {
    // ---- policy kinds (docs/cluster-protocol.md, "Policy") ----
    uint8 public constant MEASUREMENT = 1;
    uint8 public constant COMPOSE_HASH = 2;
    uint8 public constant LAUNCHER_COMPOSE_HASH = 3;
    uint8 public constant TCB_STATUS = 4;
    uint8 public constant DCAP_ROOT = 5;
    uint8 public constant IMAGE = 6;

    /// @notice Largest evidence accepted (bytes): bounds what every reader of the events must hold.
    uint256 public constant MAX_EVIDENCE = 131072;
    /// @notice blockhash() only answers for the last 256 blocks.
    uint64 public constant BLOCKHASH_WINDOW = 256;

    bytes32 public constant JOIN_TAG = keccak256("dstack4j/cluster/join/v1");
    bytes32 public constant GENESIS_TAG = keccak256("dstack4j/cluster/genesis/v1");

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("dstack4j cluster");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 public constant ONBOARD_TYPEHASH = keccak256("Onboard(uint256 requestId,bytes32 sealedHash,uint64 epoch)");
    bytes32 public constant REJECT_TYPEHASH = keccak256("Reject(uint256 requestId,uint8 check)");
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256("Attestation(bytes32 appId,bytes32 dataHash)");
    bytes32 public constant VOLUME_VERSION_TYPEHASH = keccak256("VolumeVersion(bytes32 volumeId,uint64 version)");

    /// @dev secp256k1 n / 2: the largest low s (EIP-2).
    uint256 private constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    enum State {
        None,
        Pending,
        Onboarded,
        Rejected
    }

    /// @notice Why a signature is refused (the `reason` of {BadSignature}).
    enum SigDefect {
        None,
        Length,
        HighS,
        V,
        NoSigner
    }

    struct Request {
        address node;
        bytes32 encKey;
        uint64 anchorNumber;
        bytes32 anchorHash;
        bytes32 evidenceHash;
        uint64 requestBlock;
        State state;
        uint8 check;
    }

    struct Genesis {
        address node;
        address signer;
        bytes32 encKey;
        uint64 anchorNumber;
        bytes32 anchorHash;
        bytes32 evidenceHash;
        uint64 submitBlock;
    }

    // ---- configuration (immutable) ----
    uint64 public immutable policyDelay;
    uint64 public immutable maxAnchorAge;
    uint64 public immutable requestTtl;

    // ---- governance ----
    address public governor;
    address public pendingGovernor;
    mapping(address => bool) public isOperator;

    // ---- cluster ----
    address public clusterSigner;
    bytes32 public clusterEncKey;
    uint64 public epoch;
    uint256 public bootstrapGenesisId;
    mapping(address => bool) public isMember;
    mapping(address => bool) public isRemoved;

    // ---- policy ----
    mapping(uint8 => mapping(bytes32 => bool)) private allowed;
    mapping(uint8 => mapping(bytes32 => uint64)) private proposedEta;
    mapping(uint8 => bytes32[]) private values;

    // ---- requests ----
    uint256 public genesisCount;
    mapping(uint256 => Genesis) private geneses;
    uint256 public requestCount;
    mapping(uint256 => Request) private requests;
    mapping(bytes32 => bool) public encKeyUsed;
    /// @notice The highest anchored manifest version of each encrypted volume (docs/volume.md, "The anchor").
    mapping(bytes32 => uint64) public volumeVersion;

    // ---- events ----
    event GovernorChanged(address indexed previousGovernor, address indexed newGovernor);
    event GovernanceTransferStarted(address indexed governor, address indexed pendingGovernor);
    event OperatorSet(address indexed operator, bool allowed);
    event PolicyProposed(uint8 indexed kind, bytes32 indexed value, uint64 eta);
    event PolicyAdded(uint8 indexed kind, bytes32 indexed value);
    event PolicyRemoved(uint8 indexed kind, bytes32 indexed value);
    event GenesisSubmitted(
        uint256 indexed id,
        address indexed node,
        address signer,
        bytes32 encKey,
        uint256 anchorNumber,
        bytes32 anchorHash,
        bytes evidence
    );
    event Bootstrapped(uint256 indexed genesisId, address signer, bytes32 encKey, address indexed node, uint64 epoch);
    event JoinRequested(
        uint256 indexed id,
        address indexed node,
        bytes32 encKey,
        uint256 anchorNumber,
        bytes32 anchorHash,
        bytes evidence
    );
    event Onboarded(uint256 indexed id, address indexed node, bytes sealedSecret);
    event Rejected(uint256 indexed id, address indexed node, uint8 check);
    event MemberRemoved(address indexed node);
    event VolumeAnchored(bytes32 indexed volumeId, uint64 version);

    // ---- errors ----
    error InvalidConfig();
    error NotGovernor(address caller);
    error NotPendingGovernor(address caller);
    error NotOperator(address caller);
    error ZeroAddress();
    error ZeroKey();
    error UnknownPolicyKind(uint8 kind);
    error PolicyAlreadyAllowed(uint8 kind, bytes32 value);
    error PolicyNotProposed(uint8 kind, bytes32 value);
    error PolicyNotReady(uint8 kind, bytes32 value, uint64 eta);
    error PolicyNotPresent(uint8 kind, bytes32 value);
    error AlreadyBootstrapped();
    error NotBootstrapped();
    error UnknownGenesis(uint256 id);
    error GenesisNodeMismatch(address genesisNode, address given);
    error AnchorUnknown(uint256 anchorNumber);
    error AnchorTooOld(uint256 anchorNumber, uint256 age, uint64 maxAge);
    error EvidenceTooLarge(uint256 length, uint256 max);
    error EncKeyUsed(bytes32 encKey);
    error NodeRemoved(address node);
    error UnknownRequest(uint256 id);
    error RequestNotPending(uint256 id, State state);
    error RequestExpired(uint256 id, uint256 deadlineBlock);
    error InvalidCheck(uint8 check);
    error BadSignature(SigDefect reason);
    error WrongSigner(address recovered);
    error StaleVolumeVersion(bytes32 volumeId, uint64 current, uint64 given);

    modifier onlyGovernor() {
        if (msg.sender != governor) revert NotGovernor(msg.sender);
        _;
    }

    modifier onlyOperator() {
        if (!isOperator[msg.sender]) revert NotOperator(msg.sender);
        _;
    }

    /// @param governor_ the first governor (a multisig or timelock in production)
    /// @param policyDelay_ seconds between proposing a policy addition and applying it
    /// @param maxAnchorAge_ blocks an anchor may lie behind the request (1..256: blockhash's window)
    /// @param requestTtl_ blocks after its request block during which a request may be onboarded
    constructor(address governor_, uint64 policyDelay_, uint64 maxAnchorAge_, uint64 requestTtl_) {
        if (governor_ == address(0)) revert ZeroAddress();
        if (maxAnchorAge_ == 0 || maxAnchorAge_ > BLOCKHASH_WINDOW || requestTtl_ == 0) revert InvalidConfig();
        governor = governor_;
        policyDelay = policyDelay_;
        maxAnchorAge = maxAnchorAge_;
        requestTtl = requestTtl_;
        emit GovernorChanged(address(0), governor_);
    }

    // =================================================================================================
    // Governance
    // =================================================================================================

    /// @notice First step of a handover; address(0) cancels a pending one.
    function transferGovernance(address newGovernor) external onlyGovernor {
        pendingGovernor = newGovernor;
        emit GovernanceTransferStarted(governor, newGovernor);
    }

    /// @notice Second step: the pending governor takes over.
    function acceptGovernance() external {
        if (msg.sender != pendingGovernor || msg.sender == address(0)) revert NotPendingGovernor(msg.sender);
        address previous = governor;
        governor = msg.sender;
        pendingGovernor = address(0);
        emit GovernorChanged(previous, msg.sender);
    }

    function setOperator(address operator, bool allowed_) external onlyGovernor {
        if (operator == address(0)) revert ZeroAddress();
        isOperator[operator] = allowed_;
        emit OperatorSet(operator, allowed_);
    }

    // =================================================================================================
    // Policy: additions time-locked, removals immediate
    // =================================================================================================

    function proposePolicy(uint8 kind, bytes32 value) external onlyGovernor {
        _kind(kind);
        if (allowed[kind][value]) revert PolicyAlreadyAllowed(kind, value);
        uint64 eta = uint64(block.timestamp) + policyDelay;
        proposedEta[kind][value] = eta;
        emit PolicyProposed(kind, value, eta);
    }

    /// @notice Anyone may apply a proposal once its delay has passed.
    function applyPolicy(uint8 kind, bytes32 value) external {
        _kind(kind);
        uint64 eta = proposedEta[kind][value];
        if (eta == 0) revert PolicyNotProposed(kind, value);
        if (block.timestamp < eta) revert PolicyNotReady(kind, value, eta);
        delete proposedEta[kind][value];
        allowed[kind][value] = true;
        values[kind].push(value);
        emit PolicyAdded(kind, value);
    }

    /// @notice Removes an allowed value or cancels a proposal, at once.
    function removePolicy(uint8 kind, bytes32 value) external onlyGovernor {
        _kind(kind);
        bool wasAllowed = allowed[kind][value];
        if (!wasAllowed && proposedEta[kind][value] == 0) revert PolicyNotPresent(kind, value);
        delete proposedEta[kind][value];
        if (wasAllowed) {
            allowed[kind][value] = false;
            bytes32[] storage list = values[kind];
            uint256 n = list.length;
            for (uint256 i = 0; i < n; i++) {
                if (list[i] == value) {
                    // shift left to keep the order of addition (lists are short)
                    for (uint256 j = i; j + 1 < n; j++) {
                        list[j] = list[j + 1];
                    }
                    list.pop();
                    break;
                }
            }
        }
        emit PolicyRemoved(kind, value);
    }

    function isAllowed(uint8 kind, bytes32 value) external view returns (bool) {
        return allowed[kind][value];
    }

    /// @notice When a proposed addition can be applied (unix seconds), 0 when none is proposed.
    function policyEta(uint8 kind, bytes32 value) external view returns (uint64) {
        return proposedEta[kind][value];
    }

    /// @notice The allowed values of one kind, oldest first.
    function policyValues(uint8 kind) external view returns (bytes32[] memory) {
        return values[kind];
    }

    /// @notice The approved image digests, newest first.
    function approvedImages() external view returns (bytes32[] memory out) {
        bytes32[] storage list = values[IMAGE];
        uint256 n = list.length;
        out = new bytes32[](n);
        for (uint256 i = 0; i < n; i++) {
            out[i] = list[n - 1 - i];
        }
    }

    function _kind(uint8 kind) private pure {
        if (kind < MEASUREMENT || kind > IMAGE) revert UnknownPolicyKind(kind);
    }

    // =================================================================================================
    // Genesis and bootstrap
    // =================================================================================================

    /// @notice The first CVM's node address and public keys and the evidence binding them; before bootstrap only.
    function submitGenesis(
        uint256 anchorNumber,
        address node,
        address signer,
        bytes32 encKey,
        bytes calldata evidence
    ) external onlyOperator returns (uint256 id) {
        if (clusterSigner != address(0)) revert AlreadyBootstrapped();
        if (node == address(0) || signer == address(0)) revert ZeroAddress();
        if (encKey == bytes32(0)) revert ZeroKey();
        if (evidence.length > MAX_EVIDENCE) revert EvidenceTooLarge(evidence.length, MAX_EVIDENCE);
        bytes32 anchorHash = _anchor(anchorNumber);
        id = ++genesisCount;
        geneses[id] = Genesis({
            node: node,
            signer: signer,
            encKey: encKey,
            anchorNumber: uint64(anchorNumber),
            anchorHash: anchorHash,
            evidenceHash: keccak256(evidence),
            submitBlock: uint64(block.number)
        });
        emit GenesisSubmitted(id, node, signer, encKey, anchorNumber, anchorHash, evidence);
    }

    /// @notice The governor, having audited genesis `genesisId`, makes it the cluster's; once.
    /// `node` must be the genesis's node (the one its quote binds): the governor names what it audited.
    function bootstrap(uint256 genesisId, address node) external onlyGovernor {
        if (clusterSigner != address(0)) revert AlreadyBootstrapped();
        Genesis storage g = geneses[genesisId];
        if (g.signer == address(0)) revert UnknownGenesis(genesisId);
        if (node != g.node) revert GenesisNodeMismatch(g.node, node);
        clusterSigner = g.signer;
        clusterEncKey = g.encKey;
        epoch = 1;
        bootstrapGenesisId = genesisId;
        isMember[node] = true;
        emit Bootstrapped(genesisId, g.signer, g.encKey, node, 1);
    }

    function genesis(uint256 id)
        external
        view
        returns (
            address node,
            address signer,
            bytes32 encKey,
            uint256 anchorNumber,
            bytes32 anchorHash,
            bytes32 evidenceHash,
            uint256 submitBlock
        )
    {
        Genesis storage g = geneses[id];
        if (g.signer == address(0)) revert UnknownGenesis(id);
        return (g.node, g.signer, g.encKey, g.anchorNumber, g.anchorHash, g.evidenceHash, g.submitBlock);
    }

    /// @notice The 64 report-data bytes a genesis quote must carry, rebuilt from the stored genesis.
    function genesisReportData(uint256 id) external view returns (bytes memory) {
        Genesis storage g = geneses[id];
        if (g.signer == address(0)) revert UnknownGenesis(id);
        bytes32 keyHash = keccak256(abi.encode(g.signer, g.encKey));
        return _reportData(GENESIS_TAG, g.anchorHash, keyHash, g.node);
    }

    // =================================================================================================
    // Joins
    // =================================================================================================

    /// @notice A newcomer's request, relayed by its operator: bound to a recent block and a fresh key.
    function requestJoin(uint256 anchorNumber, address node, bytes32 encKey, bytes calldata evidence)
        external
        onlyOperator
        returns (uint256 id)
    {
        if (clusterSigner == address(0)) revert NotBootstrapped();
        if (node == address(0)) revert ZeroAddress();
        if (isRemoved[node]) revert NodeRemoved(node);
        if (encKey == bytes32(0)) revert ZeroKey();
        if (encKeyUsed[encKey]) revert EncKeyUsed(encKey);
        if (evidence.length > MAX_EVIDENCE) revert EvidenceTooLarge(evidence.length, MAX_EVIDENCE);
        bytes32 anchorHash = _anchor(anchorNumber);
        encKeyUsed[encKey] = true;
        id = ++requestCount;
        requests[id] = Request({
            node: node,
            encKey: encKey,
            anchorNumber: uint64(anchorNumber),
            anchorHash: anchorHash,
            evidenceHash: keccak256(evidence),
            requestBlock: uint64(block.number),
            state: State.Pending,
            check: 0
        });
        emit JoinRequested(id, node, encKey, anchorNumber, anchorHash, evidence);
    }

    /// @notice A member's answer: the secret sealed to the request's key, signed by the cluster signer.
    function onboard(uint256 id, bytes calldata sealedSecret, bytes calldata sig) external {
        Request storage r = _live(id);
        if (block.number > uint256(r.requestBlock) + requestTtl) {
            revert RequestExpired(id, uint256(r.requestBlock) + requestTtl);
        }
        bytes32 structHash = keccak256(abi.encode(ONBOARD_TYPEHASH, id, keccak256(sealedSecret), epoch));
        _requireClusterSig(_digest(structHash), sig);
        r.state = State.Onboarded;
        isMember[r.node] = true;
        emit Onboarded(id, r.node, sealedSecret);
    }

    /// @notice A member's refusal, naming the first failed check (docs/cluster-protocol.md, "Join checks").
    function reject(uint256 id, uint8 check, bytes calldata sig) external {
        if (check == 0) revert InvalidCheck(check);
        Request storage r = _pending(id);
        bytes32 structHash = keccak256(abi.encode(REJECT_TYPEHASH, id, check));
        _requireClusterSig(_digest(structHash), sig);
        r.state = State.Rejected;
        r.check = check;
        emit Rejected(id, r.node, check);
    }

    /// @notice Removes a member (or bans a node address ahead): its later requests are refused.
    function removeMember(address node) external onlyGovernor {
        if (node == address(0)) revert ZeroAddress();
        isRemoved[node] = true;
        isMember[node] = false;
        emit MemberRemoved(node);
    }

    function request(uint256 id)
        external
        view
        returns (
            address node,
            bytes32 encKey,
            uint256 anchorNumber,
            bytes32 anchorHash,
            bytes32 evidenceHash,
            uint256 requestBlock,
            State state
        )
    {
        Request storage r = requests[id];
        if (r.state == State.None) revert UnknownRequest(id);
        return (r.node, r.encKey, r.anchorNumber, r.anchorHash, r.evidenceHash, r.requestBlock, r.state);
    }

    /// @notice The check a rejected request failed (0 unless Rejected).
    function rejectedCheck(uint256 id) external view returns (uint8) {
        return requests[id].check;
    }

    /// @notice The 64 report-data bytes the newcomer's quote must carry, rebuilt from the stored request.
    function joinReportData(uint256 id) external view returns (bytes memory) {
        Request storage r = requests[id];
        if (r.state == State.None) revert UnknownRequest(id);
        return _reportData(JOIN_TAG, r.anchorHash, keccak256(abi.encodePacked(r.encKey)), r.node);
    }

    // =================================================================================================
    // Attestations
    // =================================================================================================

    /// @notice True when `sig` is the cluster signer's EIP-712 `Attestation(appId, keccak256(data))`.
    /// Never reverts: any defect (length, high s, v, no signer, other signer, not bootstrapped) is false.
    function verifyAttestation(bytes32 appId, bytes calldata data, bytes calldata sig) external view returns (bool) {
        if (clusterSigner == address(0)) return false;
        bytes32 structHash = keccak256(abi.encode(ATTESTATION_TYPEHASH, appId, keccak256(data)));
        (address signer, SigDefect defect) = _recover(_digest(structHash), sig);
        return defect == SigDefect.None && signer == clusterSigner;
    }

    // =================================================================================================
    // Encrypted volumes: a counter the host cannot roll back
    // =================================================================================================

    /// @notice Raises the anchored version of `volumeId` to `version`, signed by the cluster signer (EIP-712
    /// `VolumeVersion(volumeId, version)`); anyone may submit it (a member's host relays it). Never lowers it.
    function anchorVolume(bytes32 volumeId, uint64 version, bytes calldata sig) external {
        if (clusterSigner == address(0)) revert NotBootstrapped();
        uint64 current = volumeVersion[volumeId];
        if (version <= current) revert StaleVolumeVersion(volumeId, current, version);
        bytes32 structHash = keccak256(abi.encode(VOLUME_VERSION_TYPEHASH, volumeId, version));
        _requireClusterSig(_digest(structHash), sig);
        volumeVersion[volumeId] = version;
        emit VolumeAnchored(volumeId, version);
    }

    /// @notice The EIP-712 domain separator (recomputed from block.chainid, so a fork cannot replay).
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice keccak256(abi.encode(uint256 chainId, address contract)).
    function clusterId() external view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this)));
    }

    // =================================================================================================
    // Internals
    // =================================================================================================

    function _anchor(uint256 anchorNumber) private view returns (bytes32 anchorHash) {
        if (anchorNumber >= block.number) revert AnchorUnknown(anchorNumber);
        uint256 age = block.number - anchorNumber;
        if (age > maxAnchorAge) revert AnchorTooOld(anchorNumber, age, maxAnchorAge);
        anchorHash = blockhash(anchorNumber);
        if (anchorHash == bytes32(0)) revert AnchorUnknown(anchorNumber);
    }

    function _pending(uint256 id) private view returns (Request storage r) {
        r = requests[id];
        if (r.state == State.None) revert UnknownRequest(id);
        if (r.state != State.Pending) revert RequestNotPending(id, r.state);
    }

    function _live(uint256 id) private view returns (Request storage r) {
        r = _pending(id);
        if (isRemoved[r.node]) revert NodeRemoved(r.node);
    }

    function _reportData(bytes32 tag, bytes32 anchorHash, bytes32 keyHash, address node)
        private
        view
        returns (bytes memory)
    {
        bytes32 h = keccak256(abi.encode(tag, block.chainid, address(this), anchorHash, keyHash, node));
        return abi.encodePacked(h, bytes32(0));
    }

    function _digest(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(), structHash));
    }

    function _requireClusterSig(bytes32 digest, bytes calldata sig) private view {
        (address signer, SigDefect defect) = _recover(digest, sig);
        if (defect != SigDefect.None) revert BadSignature(defect);
        if (signer != clusterSigner) revert WrongSigner(signer);
    }

    function _recover(bytes32 digest, bytes calldata sig) private pure returns (address, SigDefect) {
        if (sig.length != 65) return (address(0), SigDefect.Length);
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > HALF_N) return (address(0), SigDefect.HighS);
        if (v != 27 && v != 28) return (address(0), SigDefect.V);
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) return (address(0), SigDefect.NoSigner);
        return (signer, SigDefect.None);
    }
}
