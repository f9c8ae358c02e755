package io.paligemma.config;

/** Activation names of Hugging Face configs that mean the tanh approximation of GELU. */
final class Activations {
    private Activations() {
    }

    // gelu_fast and gelu_pytorch_tanh are the same formula; plain "gelu" (erf) would differ and is refused.
    static boolean isGeluTanh(String name) {
        return name.equals("gelu_pytorch_tanh") || name.equals("gelu_fast") || name.equals("gelu_new");
    }
}
