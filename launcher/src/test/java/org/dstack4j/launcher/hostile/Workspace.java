package org.dstack4j.launcher.hostile;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dstack4j.launcher.LaunchInputs;
import org.dstack4j.launcher.selection.ImageDigest;

/**
 * The files and environment one hostile case runs against: a temp directory holding user_config,
 * the approved hashes file, the tapp directory and (in TEE cases) a real unix socket standing in for
 * the agent. Defaults: {@code DOCKER_CONTENT_TRUST=1}, {@code PLATFORM=NONTEE},
 * {@code DEFAULT_IMAGE_DIGEST=}{@link #DEFAULT}, approved list {@code [NEWEST, OLDER]}, no user_config.
 */
final class Workspace implements AutoCloseable {
    static final ImageDigest NEWEST = ImageDigest.of("newest".getBytes(StandardCharsets.UTF_8));
    static final ImageDigest OLDER = ImageDigest.of("older".getBytes(StandardCharsets.UTF_8));
    static final ImageDigest DEFAULT = ImageDigest.of("default".getBytes(StandardCharsets.UTF_8));
    static final ImageDigest NOT_APPROVED = ImageDigest.of("attacker".getBytes(StandardCharsets.UTF_8));

    /** Secret values planted in user_config by {@link #withSecrets}; none may ever reach a message. */
    static final String SECRET_STORE_KEY = "s3cr3t-store-7f1d2a9c";
    static final String BACKUP_KEY = "0badc0ffee0badc0ffee0badc0ffee00";
    static final String DB_PASSWORD = "pw-hunter2-4c1e";
    static final String API_TOKEN = "tok-9a8b7c6d5e";
    static final List<String> SECRETS = List.of(SECRET_STORE_KEY, BACKUP_KEY, DB_PASSWORD, API_TOKEN);

    final Path dir;
    Path userConfig;
    Path approved;
    final Path socket;
    final Path tapp;
    final Map<String, String> env = new HashMap<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    Workspace(Path dir) throws IOException {
        this.dir = dir;
        this.userConfig = dir.resolve("user_config");
        this.approved = dir.resolve("image-digest.bin");
        this.socket = dir.resolve("dstack.sock");
        this.tapp = dir.resolve("tapp");
        env.put("DOCKER_CONTENT_TRUST", "1");
        env.put("PLATFORM", "NONTEE");
        env.put("DEFAULT_IMAGE_DIGEST", DEFAULT.toString());
        approvedDigests(NEWEST, OLDER);
    }

    /** The secret lines every line-level case carries, so that leaks would show. */
    static String withSecrets(String lines) {
        return "MPC_SECRET_STORE_KEY=" + SECRET_STORE_KEY + "\n"
                + "MPC_BACKUP_ENCRYPTION_KEY_HEX=" + BACKUP_KEY + "\n"
                + "MPC_DB_PASSWORD=" + DB_PASSWORD + "\n"
                + lines + "\n"
                + "MPC_API_TOKEN=" + API_TOKEN + "\n";
    }

    void userConfig(String text) throws IOException {
        Files.writeString(userConfig, text, StandardCharsets.UTF_8);
    }

    void userConfigBytes(byte[] bytes) throws IOException {
        Files.write(userConfig, bytes);
    }

    void approvedJson(String json) throws IOException {
        Files.writeString(approved, json, StandardCharsets.UTF_8);
    }

    void approvedBytes(byte[] bytes) throws IOException {
        Files.write(approved, bytes);
    }

    void approvedDigests(ImageDigest... digests) throws IOException {
        StringBuilder json = new StringBuilder("{\"approved_hashes\":[");
        for (int i = 0; i < digests.length; i++) json.append(i > 0 ? "," : "").append('"').append(digests[i]).append('"');
        approvedJson(json.append("]}").toString());
    }

    void noApprovedFile() throws IOException {
        Files.deleteIfExists(approved);
    }

    /** Binds a real unix socket at {@link #socket} and sets {@code PLATFORM=TEE}. */
    void tee() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        open.add(server);
        env.put("PLATFORM", "TEE");
    }

    /** A FIFO at {@code path} (mkfifo): opening it for reading would block forever. */
    static void fifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        if (p.waitFor() != 0) throw new IOException("mkfifo failed for " + path);
    }

    LaunchInputs inputs() {
        return new LaunchInputs(env, Optional.empty(), userConfig, approved, socket, tapp);
    }

    /** Where TOML-mode cases write the node config. */
    Path nodeConfigFile() {
        return dir.resolve("mpc-config.toml");
    }

    /** TOML mode: {@code --user-config-format toml}, the node config in this directory. */
    LaunchInputs tomlInputs() {
        return new LaunchInputs(env, Optional.empty(), userConfig, approved, socket, tapp,
                org.dstack4j.launcher.config.UserConfigFormat.TOML, nodeConfigFile());
    }

    /** A minimal TOML user_config with {@code extraLauncher} lines in [launcher_config] and a secret in the node's table. */
    static String toml(String extraLauncher) {
        return "[launcher_config]\nimage_reference = \"nearone/mpc-node\"\nport_mappings = [{ host = 8080, container = 8080 }]\n"
                + extraLauncher + "\n[mpc_node_config]\nhome_dir = \"/data\"\n[mpc_node_config.secrets]\nsecret_store_key_hex = \""
                + SECRET_STORE_KEY + "\"\n";
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open) c.close();
    }
}
