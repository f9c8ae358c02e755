package io.paligemma.safetensors;

import io.paligemma.tensor.Tensor;
import io.paligemma.text.Untrusted;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The weights of a model, from one of: a single .safetensors file; a directory with model.safetensors;
 * a sharded directory with model.safetensors.index.json; a directory with several *.safetensors and no
 * index (all are opened). A tensor name must occur in exactly one file.
 */
public final class Checkpoint implements AutoCloseable {

    private static final String SINGLE_FILE = "model.safetensors";

    private final Path directory;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;  // tensor name -> its file, in names() order
    private final List<String> names;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Checkpoint(Path directory, List<SafetensorsFile> files, Map<String, SafetensorsFile> owner) {
        this.directory = directory;
        this.files = List.copyOf(files);
        this.owner = Collections.unmodifiableMap(owner);
        this.names = List.copyOf(owner.keySet());
    }

    /** Opens a .safetensors file, a shard index file, or a checkpoint directory (see the class comment). */
    public static Checkpoint open(Path fileOrDirectory) {
        return open(fileOrDirectory, false);
    }

    /** The same; with {@code copy} every file is read into memory instead of mapped ({@link SafetensorsFile#open(Path, boolean)}). */
    public static Checkpoint open(Path fileOrDirectory, boolean copy) {
        Path path = fileOrDirectory;
        if (Files.isDirectory(path)) {
            Path index = path.resolve(ShardIndex.FILE_NAME);
            if (Files.exists(index)) {
                return openSharded(path, ShardIndex.read(index), copy);
            }
            Path single = path.resolve(SINGLE_FILE);
            if (Files.exists(single)) {
                return openFiles(path, List.of(single), copy);
            }
            List<Path> all = listSafetensors(path);
            if (all.isEmpty()) {
                throw new SafetensorsException(path + ": no " + ShardIndex.FILE_NAME + ", no " + SINGLE_FILE
                        + " and no *.safetensors files in this directory");
            }
            return openFiles(path, all, copy);
        }
        if (!Files.exists(path)) {
            throw new SafetensorsException(path + ": no such file or directory");
        }
        Path parent = path.getParent() != null ? path.getParent() : path.toAbsolutePath().getParent();
        if (path.getFileName().toString().endsWith(".index.json")) {
            return openSharded(parent, ShardIndex.read(path), copy);
        }
        return openFiles(parent, List.of(path), copy);
    }

    private static List<Path> listSafetensors(Path directory) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.safetensors")) {
            for (Path p : stream) {
                if (Files.isRegularFile(p)) {
                    found.add(p);
                }
            }
        } catch (IOException e) {
            throw new SafetensorsException(directory + ": cannot list directory: " + e, e);
        }
        Collections.sort(found);
        return found;
    }

    /** Opens every file; a name found in two of them is an error naming both. */
    private static Checkpoint openFiles(Path directory, List<Path> paths, boolean copy) {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p, copy);
                opened.add(f);
                for (String name : f.names()) {
                    SafetensorsFile other = owner.putIfAbsent(name, f);
                    if (other != null) {
                        throw new SafetensorsException(directory + ": tensor '" + Untrusted.clean(name) + "' is in two files: "
                                + other.path().getFileName() + " and " + f.path().getFileName());
                    }
                }
            }
            return new Checkpoint(directory, opened, owner);
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** Shards are opened in file-name order; the index must agree with their contents. */
    private static Checkpoint openSharded(Path directory, ShardIndex index, boolean copy) {
        Map<Path, String> firstTensorOf = new LinkedHashMap<>();
        Map<String, Path> shardOf = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
            Path shard = index.resolveShard(e.getKey(), e.getValue());
            shardOf.put(e.getKey(), shard);
            firstTensorOf.putIfAbsent(shard, e.getKey());
        }
        if (firstTensorOf.isEmpty()) {
            throw new SafetensorsException(index.file() + ": weight_map is empty");
        }
        for (Map.Entry<Path, String> e : firstTensorOf.entrySet()) {
            if (!Files.isRegularFile(e.getKey())) {
                throw new SafetensorsException(index.file() + ": shard file " + e.getKey().getFileName()
                        + " (of tensor '" + Untrusted.clean(e.getValue()) + "') is missing");
            }
        }
        List<Path> shards = new ArrayList<>(firstTensorOf.keySet());
        Collections.sort(shards);
        Checkpoint checkpoint = openFiles(directory, shards, copy);
        try {
            for (Map.Entry<String, Path> e : shardOf.entrySet()) {
                SafetensorsFile actual = checkpoint.owner.get(e.getKey());
                if (actual == null || !actual.path().equals(e.getValue())) {
                    throw new SafetensorsException(index.file() + ": tensor '" + Untrusted.clean(e.getKey()) + "' is listed in shard "
                            + e.getValue().getFileName() + " but that file does not contain it"
                            + (actual == null ? "" : " (it is in " + actual.path().getFileName() + ")"));
                }
            }
            return checkpoint;
        } catch (RuntimeException e) {
            checkpoint.close();
            throw e;
        }
    }

    /** The directory holding the checkpoint's files. */
    public Path directory() {
        return directory;
    }

    /** All tensor names: file by file (shards in file-name order), each file in data-offset order. */
    public List<String> names() {
        return names;
    }

    /** The tensor {@code name}; throws naming the checkpoint and the tensor when it is absent. */
    public Tensor tensor(String name) {
        return find(name).orElseThrow(() -> new SafetensorsException(directory + ": no tensor '" + name + "' in "
                + (files.size() == 1 ? files.getFirst().path().getFileName() : files.size() + " files")));
    }

    public Optional<Tensor> find(String name) {
        if (closed.get()) {
            throw new SafetensorsException(directory + ": checkpoint is closed (looking up tensor '" + name + "')");
        }
        SafetensorsFile f = owner.get(name);
        return f == null ? Optional.empty() : f.find(name);
    }

    /** Throws when any of the checkpoint's files changed on disk since it was mapped ({@link SafetensorsFile#checkUnchanged}). */
    public void checkUnchanged() {
        files.forEach(SafetensorsFile::checkUnchanged);
    }

    /** The opened files, in the order their tensors appear in {@link #names()}. */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Closes every file; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            files.forEach(SafetensorsFile::close);
        }
    }

    @Override
    public String toString() {
        return "Checkpoint[" + directory + ", " + files.size() + " files, " + names.size() + " tensors]";
    }
}
