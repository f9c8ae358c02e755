package io.paligemma.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.paligemma.text.Untrusted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** model.safetensors.index.json: {"metadata": {...}, "weight_map": {tensor name: shard file name}}. */
record ShardIndex(Path file, Map<String, String> weightMap) {

    static final String FILE_NAME = "model.safetensors.index.json";

    static ShardIndex read(Path file) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new SafetensorsException(file + ": shard index is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(file + ": cannot read shard index: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file + ": shard index is not a JSON object");
        }
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new SafetensorsException(file + ": shard index has no \"weight_map\" object");
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(file + ": weight_map entry of tensor '" + Untrusted.clean(e.getKey())
                        + "' is not a file name string");
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        return new ShardIndex(file, map);
    }

    /** The shard file, which must lie inside the index's directory (the index is input: no absolute paths, no ".."). */
    Path resolveShard(String tensor, String shard) {
        Path directory = file.toAbsolutePath().normalize().getParent();
        Path resolved;
        try {
            resolved = directory.resolve(shard).normalize();
        } catch (InvalidPathException e) {
            throw new SafetensorsException(file + ": weight_map file '" + Untrusted.clean(shard) + "' of tensor "
                    + "'" + Untrusted.clean(tensor) + "' is not a valid path", e);
        }
        if (!resolved.startsWith(directory) || resolved.equals(directory)) {
            throw new SafetensorsException(file + ": weight_map file '" + Untrusted.clean(shard) + "' of tensor "
                    + "'" + Untrusted.clean(tensor) + "' is outside the checkpoint directory");
        }
        return resolved;
    }
}
