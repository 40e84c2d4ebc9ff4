package io.lockd.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code --config} properties file as defaults for the options: the key of an option is any of
 * its names without dashes, so a file written for an option's older name still works. A key that
 * names no option is refused rather than ignored, since a misspelt limit would otherwise silently
 * run with the default.
 */
final class ConfigFile implements IDefaultValueProvider {
  private final Properties values;

  private ConfigFile(Properties values) {
    this.values = values;
  }

  /** Reads {@code file}; IllegalArgumentException if it is unreadable or has an unknown key. */
  static ConfigFile read(Path file, CommandSpec spec) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --config file " + file + ": " + e);
    }
    Set<String> known = new TreeSet<>();
    for (OptionSpec option : spec.options()) {
      List<String> given = new ArrayList<>();
      for (String name : option.names()) {
        known.add(key(name));
        if (p.containsKey(key(name))) {
          given.add(key(name));
        }
      }
      // An old and a new name of one option would leave which value counts to an accident.
      if (given.size() > 1) {
        throw new IllegalArgumentException(
            "--config file " + file + ": keys " + given + " name the same option; keep one");
      }
    }
    for (String key : new TreeSet<>(p.stringPropertyNames())) {
      if (!known.contains(key)) {
        throw new IllegalArgumentException(
            "--config file " + file + ": unknown key '" + key + "' (keys are option names)");
      }
    }
    return new ConfigFile(p);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec option) {
      for (String name : option.names()) {
        String value = values.getProperty(key(name));
        if (value != null) {
          return value;
        }
      }
    }
    return null;
  }

  private static String key(String optionName) {
    return optionName.replaceFirst("^-+", "");
  }
}
