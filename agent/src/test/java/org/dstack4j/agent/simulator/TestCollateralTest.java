package org.dstack4j.agent.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.junit.jupiter.api.Test;

/**
 * The collateral's signatures and CRLs verify with plain JCA under the certificates it names, and
 * its TCB info and QE identity state exactly what the simulator's quotes carry. (That dcap-qvl
 * accepts it end to end is proven in e2e/js/dcap-qvl.test.mjs.)
 */
class TestCollateralTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private static final MeasurementProfile PROFILE = MeasurementProfile.defaults();

    @Test
    void sameSeedSameBytesOtherSeedOtherSigner() {
        TestCollateral a = TestCollateral.forSeed("seed", PROFILE);
        assertThat(TestCollateral.forSeed("seed", PROFILE).toJson()).isEqualTo(a.toJson());
        TestCollateral b = TestCollateral.forSeed("other", PROFILE);
        assertThat(b.tcbInfo()).isEqualTo(a.tcbInfo());
        assertThat(b.tcbInfoIssuerChain()).isNotEqualTo(a.tcbInfoIssuerChain());
        assertThat(b.tcbInfoSignature()).isNotEqualTo(a.tcbInfoSignature());
    }

    @Test
    void simulatorHandsOutTheCollateralOfItsOwnPki() throws Exception {
        SimulatedTdx tdx = SimulatedTdx.start(new SimulatorConfig("seed", AppCompose.defaults(), PROFILE, Optional.empty()));
        assertThat(tdx.collateral()).isEqualTo(TestCollateral.forSeed("seed", PROFILE));
        assertThat(tdx.testRootPem()).isEqualTo(TestCollateral.rootPem("seed", PROFILE));
        List<X509Certificate> quoteChain = certs(tdx.collateral().pckCertificateChain());
        assertThat(quoteChain.getLast()).isEqualTo(certs(tdx.testRootPem()).getFirst());
    }

    @Test
    void sharedPkiSeedGivesDistinctCvmsOnOneTestRoot() throws Exception {
        SimulatedTdx a = SimulatedTdx.start(new SimulatorConfig("node-a", AppCompose.defaults(), PROFILE, Optional.empty(),
                Optional.of("platform")));
        SimulatedTdx b = SimulatedTdx.start(new SimulatorConfig("node-b", AppCompose.defaults(), PROFILE, Optional.empty(),
                Optional.of("platform")));
        assertThat(a.testRootPem()).isEqualTo(b.testRootPem()).isEqualTo(TestCollateral.rootPem("platform", PROFILE));
        assertThat(a.collateral()).isEqualTo(b.collateral()).isEqualTo(TestCollateral.forSeed("platform", PROFILE));
        assertThat(a.appKeys().k256Key()).isNotEqualTo(b.appKeys().k256Key());
        // without a PKI seed each seed has its own root, as before
        SimulatedTdx c = SimulatedTdx.start(new SimulatorConfig("node-a", AppCompose.defaults(), PROFILE, Optional.empty()));
        assertThat(c.testRootPem()).isEqualTo(TestCollateral.rootPem("node-a", PROFILE)).isNotEqualTo(a.testRootPem());
        // both CVMs' quotes pass DCAP under the one shared root and collateral
        var verifier = org.dstack4j.attestation.dcap.DcapVerifier.withTrustedRoot(certs(a.testRootPem()).getFirst());
        var collateral = org.dstack4j.attestation.dcap.CollateralJson.parse(a.collateral().toJson().getBytes(StandardCharsets.UTF_8));
        for (SimulatedTdx tdx : List.of(a, b)) {
            var v = verifier.verify(tdx.quote(new byte[64]).quote(), collateral, java.time.Instant.parse("2026-01-01T00:00:00Z"), false);
            assertThat(v.valid()).as(String.valueOf(v.firstFailure())).isTrue();
        }
    }

    @Test
    void signaturesAndChainsVerifyUnderTheTestRoot() throws Exception {
        TestCollateral c = TestCollateral.forSeed("seed", PROFILE);
        X509Certificate root = certs(TestCollateral.rootPem("seed", PROFILE)).getFirst();
        for (String chain : List.of(c.tcbInfoIssuerChain(), c.qeIdentityIssuerChain())) {
            List<X509Certificate> certs = certs(chain);
            assertThat(certs).hasSize(2);
            assertThat(certs.get(1)).isEqualTo(root);
            certs.get(0).verify(root.getPublicKey());
            assertThat(certs.get(0).getBasicConstraints()).as("TCB signer is not a CA").isEqualTo(-1);
            assertThat(certs.get(0).getSubjectX500Principal().getName()).contains("TEST ONLY");
        }
        PublicKey signer = certs(c.tcbInfoIssuerChain()).getFirst().getPublicKey();
        assertThat(verifies(signer, c.tcbInfo(), c.tcbInfoSignature())).isTrue();
        assertThat(verifies(signer, c.qeIdentity(), c.qeIdentitySignature())).isTrue();
        assertThat(verifies(signer, c.tcbInfo().replace("UpToDate", "OutOfDate"), c.tcbInfoSignature())).isFalse();

        List<X509Certificate> pckIssuers = certs(c.pckCrlIssuerChain());
        X509CRL rootCrl = crl(c.rootCaCrl());
        rootCrl.verify(root.getPublicKey());
        assertThat(rootCrl.getRevokedCertificates()).isNull();
        X509CRL pckCrl = crl(c.pckCrl());
        pckCrl.verify(pckIssuers.getFirst().getPublicKey());
        assertThat(pckCrl.getIssuerX500Principal()).isEqualTo(pckIssuers.getFirst().getSubjectX500Principal());
        assertThat(pckCrl.getRevokedCertificates()).isNull();
    }

    @Test
    void tcbInfoStatesTheSimulatedPlatformAndQe() throws Exception {
        TestCollateral c = TestCollateral.forSeed("seed", PROFILE);
        JsonNode tcb = JSON.readTree(c.tcbInfo());
        assertThat(tcb.get("id").asText()).isEqualTo("TDX");
        assertThat(tcb.get("version").asInt()).isEqualTo(3);
        assertThat(tcb.get("fmspc").asText()).isEqualToIgnoringCase(HEX.formatHex(PROFILE.pckTcb().fmspc()));
        assertThat(tcb.get("pceId").asText()).isEqualToIgnoringCase(HEX.formatHex(PROFILE.pckTcb().pceId()));
        assertThat(tcb.get("issueDate").asText()).isEqualTo(TestCollateral.ISSUE_DATE);
        assertThat(tcb.get("nextUpdate").asText()).isEqualTo(TestCollateral.NEXT_UPDATE);
        JsonNode level = tcb.get("tcbLevels").get(0);
        assertThat(tcb.get("tcbLevels")).hasSize(2);
        JsonNode older = tcb.get("tcbLevels").get(1);
        assertThat(older.get("tcbStatus").asText()).isEqualTo("OutOfDate");
        assertThat(svns(older.at("/tcb/tdxtcbcomponents"))).containsOnly(0).hasSize(16);
        assertThat(older.at("/tcb/sgxtcbcomponents")).isEqualTo(level.at("/tcb/sgxtcbcomponents"));
        assertThat(level.get("tcbStatus").asText()).isEqualTo("UpToDate");
        assertThat(level.at("/tcb/pcesvn").asInt()).isEqualTo(PROFILE.pckTcb().pceSvn());
        assertThat(svns(level.at("/tcb/sgxtcbcomponents"))).isEqualTo(unsigned(PROFILE.pckTcb().cpuSvn()));
        assertThat(svns(level.at("/tcb/tdxtcbcomponents"))).isEqualTo(unsigned(PROFILE.teeTcbSvn()));
        JsonNode module = tcb.get("tdxModuleIdentities").get(0);
        assertThat(module.get("id").asText()).isEqualTo(String.format("TDX_%02X", PROFILE.teeTcbSvn()[1]));
        assertThat(module.at("/tcbLevels/0/tcb/isvsvn").asInt()).isEqualTo(PROFILE.teeTcbSvn()[0]);

        JsonNode qe = JSON.readTree(c.qeIdentity());
        assertThat(qe.get("id").asText()).isEqualTo("TD_QE");
        assertThat(qe.get("mrsigner").asText()).isEqualToIgnoringCase(HEX.formatHex(PROFILE.qeReport().mrSigner()));
        assertThat(qe.get("isvprodid").asInt()).isEqualTo(PROFILE.qeReport().isvProdId());
        assertThat(qe.at("/tcbLevels/0/tcb/isvsvn").asInt()).isEqualTo(PROFILE.qeReport().isvSvn());
        byte[] want = HEX.parseHex(qe.get("attributes").asText().toLowerCase());
        byte[] mask = HEX.parseHex(qe.get("attributesMask").asText().toLowerCase());
        byte[] actual = PROFILE.qeReport().attributes();
        for (int i = 0; i < 16; i++) {
            assertThat(actual[i] & mask[i]).as("QE attributes byte %d under mask", i).isEqualTo(want[i] & mask[i]);
        }
    }

    private static int[] svns(JsonNode components) {
        int[] out = new int[components.size()];
        for (int i = 0; i < out.length; i++) out[i] = components.get(i).get("svn").asInt();
        return out;
    }

    private static int[] unsigned(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = Byte.toUnsignedInt(b[i]);
        return out;
    }

    private static boolean verifies(PublicKey key, String text, String rsHex) throws Exception {
        byte[] rs = HEX.parseHex(rsHex);
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOf(rs, 32))));
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(rs, 32, 64))));
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initVerify(key);
        s.update(text.getBytes(StandardCharsets.UTF_8));
        return s.verify(new DERSequence(v).getEncoded());
    }

    @SuppressWarnings("unchecked")
    private static List<X509Certificate> certs(String pem) throws Exception {
        return (List<X509Certificate>) CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private static X509CRL crl(String hexDer) throws Exception {
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(HEX.parseHex(hexDer)));
    }
}
