package io.portcullis.app;

import io.portcullis.auth.PasswordHashes;
import io.portcullis.auth.UsersFile;
import io.portcullis.config.Directory;
import io.portcullis.config.GatewayConfig;
import io.portcullis.config.PolicyConfigReader;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code portcullis user ...}: manages the users file in the data directory. A running gateway
 * notices the change by itself. Passwords are read from the terminal (twice) or, with
 * {@code --password-stdin}, from the first line of standard input; never from the command line.
 */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage the users who may authenticate (the users file in the data directory).",
        subcommands = {UserCli.Add.class, UserCli.Remove.class, UserCli.ListUsers.class, UserCli.Hash.class})
final class UserCli {

    abstract static class UsersCommand implements Callable<Integer> {
        @CommandLine.Mixin
        Main.DataDirectoryOption data = new Main.DataDirectoryOption();

        @CommandLine.Mixin
        Main.ConfigOption config = new Main.ConfigOption();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Path usersFile() throws Exception {
            GatewayConfig loaded = config.load();
            return data.path.resolve(loaded.directory().usersFile());
        }

        int fail(String message) {
            spec.commandLine().getErr().println("portcullis user: " + message);
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    /** Reads a password without echo, or from standard input. */
    abstract static class WithPassword extends UsersCommand {
        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input.")
        boolean passwordStdin;

        char[] readPassword() throws IOException {
            if (passwordStdin) {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                return line == null ? null : line.toCharArray();
            }
            Console console = System.console();
            if (console == null) {
                throw new IOException("no terminal to ask for the password on; use --password-stdin");
            }
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Again: ");
            if (first == null || !Arrays.equals(first, second)) {
                throw new IOException("the passwords do not match");
            }
            return first;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a user, or set a new password and send-as list for an existing one.")
    static final class Add extends WithPassword {
        @Parameters(paramLabel = "NAME", description = "The login name, usually an address such as alice@example.test.")
        String name;

        @Option(names = "--send-as", paramLabel = "ADDRESS|@DOMAIN",
                description = "An address or @domain the user may send as (repeatable; default: the name, if an address).")
        List<String> sendAs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            for (String entry : sendAs) {
                String problem = PolicyConfigReader.sendAsProblem(entry);
                if (problem != null) {
                    return fail("--send-as: " + problem);
                }
            }
            if (name.isBlank() || name.chars().anyMatch(c -> c <= ' ')) {
                return fail("a user name has no spaces or control characters");
            }
            char[] password = readPassword();
            if (password == null || password.length == 0) {
                return fail("an empty password is not allowed");
            }
            Path file = usersFile();
            List<Directory.User> users = new ArrayList<>(UsersFile.read(file));
            users.removeIf(user -> user.name().equalsIgnoreCase(name));
            List<String> addresses = sendAs.isEmpty() && name.contains("@") ? List.of(name) : sendAs;
            users.add(new Directory.User(name, PasswordHashes.hash(password, PasswordHashes.COST), addresses));
            Arrays.fill(password, '\0');
            UsersFile.write(file, users);
            spec.commandLine().getOut().println(name + ": saved in " + file + " (may send as " + addresses + ")");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user.")
    static final class Remove extends UsersCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            Path file = usersFile();
            List<Directory.User> users = new ArrayList<>(UsersFile.read(file));
            if (!users.removeIf(user -> user.name().equalsIgnoreCase(name))) {
                return fail(name + ": no such user in " + file);
            }
            UsersFile.write(file, users);
            spec.commandLine().getOut().println(name + ": removed");
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the users and what they may send as (never their password hashes).")
    static final class ListUsers extends UsersCommand {
        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            GatewayConfig loaded = config.load();
            for (Directory.User user : loaded.directory().inlineUsers()) {
                out.println(user.name() + "  send-as " + user.sendAs() + "  (in the configuration)");
            }
            for (Directory.User user : UsersFile.read(usersFile())) {
                out.println(user.name() + "  send-as " + user.sendAs());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "hash", mixinStandardHelpOptions = true, description = "Print a bcrypt hash of a password, for users written into the configuration.")
    static final class Hash extends WithPassword {
        @Override
        public Integer call() throws Exception {
            char[] password = readPassword();
            if (password == null || password.length == 0) {
                return fail("an empty password is not allowed");
            }
            spec.commandLine().getOut().println(PasswordHashes.hash(password, PasswordHashes.COST));
            spec.commandLine().getOut().flush();
            Arrays.fill(password, '\0');
            return 0;
        }
    }
}
