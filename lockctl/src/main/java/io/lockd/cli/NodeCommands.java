package io.lockd.cli;

import io.lockd.client.CreateOptions;
import io.lockd.client.LockClient;
import io.lockd.client.LockdException;
import io.lockd.client.NodeData;
import io.lockd.client.NodeStat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The node commands: ls, stat, get, put, mkdir, rm. */
final class NodeCommands {
  private NodeCommands() {}

  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description = "Lists a directory's children.",
      footer = {
        "%nExamples:",
        "  lockctl ls /",
        "  lockctl ls -l /services",
        "  lockctl ls /services -o json"
      })
  static final class Ls implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(
        index = "0",
        arity = "0..1",
        defaultValue = "/",
        paramLabel = "PATH",
        description = "The directory (default /).")
    String path;

    @Option(
        names = {"-l", "--long"},
        description = "Show each child's kind, size, generations and modification time.")
    boolean longFormat;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        List<String> names = client.children(path);
        if (!longFormat) {
          if (g.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", path);
            m.put("children", names);
            g.printObject(m);
          } else {
            names.forEach(n -> g.spec.commandLine().getOut().println(Printable.escape(n)));
            g.spec.commandLine().getOut().flush();
          }
          return ExitCodes.OK;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String n : names) {
          String child = path.equals("/") ? "/" + n : path + "/" + n;
          Map<String, Object> row = Views.stat(client.stat(child));
          row.put("name", n);
          rows.add(row);
        }
        g.printRows(
            List.of(
                "name",
                "kind",
                "size",
                "content_generation",
                "lock_generation",
                "modified",
                "ephemeral_owner"),
            rows);
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "stat",
      mixinStandardHelpOptions = true,
      description =
          "Shows a node's metadata: kind, instance, generations, checksum, times, owner, lock-delay.",
      footer = {"%nExample:", "  lockctl stat /config/db -o json"})
  static final class Stat implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "PATH", description = "The node.")
    String path;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        g.printObject(Views.stat(client.stat(path)));
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = {
        "Prints a file's contents, byte for byte (no newline is added).",
        "With -o json: an object with the contents (as text if it is UTF-8, else base64) and the stat."
      },
      footer = {"%nExamples:", "  lockctl get /config/db", "  lockctl get /config/db > db.conf"})
  static final class Get implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "PATH", description = "The file.")
    String path;

    @Override
    public Integer call() throws IOException {
      try (LockClient client = g.client()) {
        NodeData d = client.getContents(path);
        if (g.json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("path", path);
          byte[] bytes = d.contents();
          String text = utf8(bytes);
          if (text != null) {
            m.put("contents", text);
          } else {
            m.put("contents_base64", Base64.getEncoder().encodeToString(bytes));
          }
          m.put("stat", Views.stat(d.stat()));
          g.printObject(m);
        } else {
          g.spec.commandLine().getOut().flush();
          OutputStream out = Lockctl.rawOut();
          out.write(d.contents());
          out.flush();
        }
        return ExitCodes.OK;
      }
    }

    private static String utf8(byte[] bytes) {
      try {
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException e) {
        return null;
      }
    }
  }

  @Command(
      name = "put",
      mixinStandardHelpOptions = true,
      description =
          "Replaces a file's contents (from VALUE, or from standard input if VALUE is - or missing).",
      footer = {
        "%nExamples:",
        "  lockctl put /config/db 'jdbc:postgresql://db/app'",
        "  lockctl put /config/db --create < db.conf",
        "  lockctl put /config/db v2 --if-generation 4     # compare-and-set"
      })
  static final class Put implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "PATH", description = "The file.")
    String path;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "VALUE",
        description = "The new contents (- or none: standard input).")
    String value;

    @Option(names = "--create", description = "Create the file if it does not exist.")
    boolean create;

    @Option(
        names = "--if-generation",
        paramLabel = "N",
        description = "Write only if the content generation is N (compare-and-set).")
    Long ifGeneration;

    @Override
    public Integer call() throws IOException {
      byte[] bytes =
          value == null || value.equals("-")
              ? System.in.readAllBytes()
              : value.getBytes(StandardCharsets.UTF_8);
      try (LockClient client = g.client()) {
        NodeStat st;
        try {
          st =
              ifGeneration != null
                  ? client.setContentsIf(path, bytes, ifGeneration)
                  : client.setContents(path, bytes);
        } catch (LockdException e) {
          if (!create
              || e.reason() != LockdException.Reason.NODE_NOT_FOUND
              || ifGeneration != null) {
            throw e;
          }
          st = client.create(path, CreateOptions.file(bytes));
        }
        if (g.json()) {
          g.printObject(Views.stat(st));
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "mkdir",
      mixinStandardHelpOptions = true,
      description = "Creates a directory.",
      footer = {
        "%nExamples:",
        "  lockctl mkdir /services",
        "  lockctl mkdir -p /services/web/hosts"
      })
  static final class Mkdir implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "PATH", description = "The directory.")
    String path;

    @Option(
        names = {"-p", "--parents"},
        description = "Create missing parents too; an existing directory is fine.")
    boolean parents;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        if (parents) {
          client.mkdirs(path);
        } else {
          client.createDirectory(path);
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "rm",
      mixinStandardHelpOptions = true,
      description =
          "Deletes a file or an empty directory (refused while its lock has holders or waiters).",
      footer = {
        "%nExamples:",
        "  lockctl rm /services/web/old",
        "  lockctl rm /config/db --if-generation 7"
      })
  static final class Rm implements Callable<Integer> {
    @Mixin GlobalOptions g;

    @Parameters(index = "0", paramLabel = "PATH", description = "The node.")
    String path;

    @Option(
        names = "--if-generation",
        paramLabel = "N",
        description = "Delete only if the content generation is N.")
    Long ifGeneration;

    @Override
    public Integer call() {
      try (LockClient client = g.client()) {
        if (ifGeneration != null) {
          client.deleteIf(path, ifGeneration);
        } else {
          client.delete(path);
        }
        return ExitCodes.OK;
      }
    }
  }
}
