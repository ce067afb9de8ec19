package io.portcullis.auth;

import io.portcullis.config.Directory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The users file in the data directory ({@code users.yaml}, mode 0600): a YAML list of
 * {@code name}, {@code password-hash} and {@code send-as}. Written whole to a temporary file and
 * renamed, so a running gateway never reads half of it.
 */
public final class UsersFile {
    private UsersFile() {
    }

    public static List<Directory.User> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        Object document;
        try {
            document = new Load(LoadSettings.builder().setLabel(file.toString()).build())
                    .loadFromString(Files.readString(file, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IOException(file + ": not valid YAML: " + e.getMessage(), e);
        }
        List<Directory.User> users = new ArrayList<>();
        if (document == null) {
            return users;
        }
        if (!(document instanceof Map<?, ?> map) || !(map.get("users") instanceof List<?> list)) {
            throw new IOException(file + ": expected a mapping with a list under \"users\"");
        }
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> user) || !(user.get("name") instanceof String name)
                    || !(user.get("password-hash") instanceof String hash)) {
                throw new IOException(file + ": every user needs name and password-hash");
            }
            List<String> sendAs = new ArrayList<>();
            if (user.get("send-as") instanceof List<?> entries) {
                entries.forEach(entry -> sendAs.add(String.valueOf(entry)));
            }
            users.add(new Directory.User(name, hash, sendAs));
        }
        return users;
    }

    public static void write(Path file, List<Directory.User> users) throws IOException {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Directory.User user : users) {
            list.add(Map.of("name", user.name(), "password-hash", user.passwordHash(), "send-as", user.sendAs()));
        }
        String yaml = "# Portcullis users: manage with `portcullis user add|remove|list`.\n"
                + new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
                .dumpToString(Map.of("users", list));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temp, yaml, StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
