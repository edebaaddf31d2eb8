extension AdapterDeclaration {
    /// Any OpenAI-compatible `POST {base_url}/chat/completions`: OpenAI, the Hugging Face router
    /// (`model: org/name:provider`), Bytez, a local llama.cpp or vLLM server.
    public static let openAIChat = AdapterDeclaration(
        name: "openai-chat",
        summary: "Any OpenAI-compatible chat completions API (OpenAI, Hugging Face router, Bytez, llama.cpp, vLLM).",
        options: [
            OptionSpec(
                "chat_path", .string, default: .string("/chat/completions"),
                summary: "Path appended to base_url for chat completions."),
            OptionSpec(
                "auth_header", .string, default: .string("Authorization"),
                summary: "Header that carries the API key."),
            OptionSpec(
                "auth_scheme", .string, default: .string("Bearer"),
                summary: "Word before the key in the auth header; empty sends the bare key."),
            OptionSpec(
                "stream_usage", .boolean, default: .boolean(true),
                summary: "Ask for token usage in the last streamed chunk (stream_options.include_usage)."),
            OptionSpec(
                "models_path", .string, default: .string("/models"),
                summary: "Path appended to base_url that lists models (GET): how probes check keys and models."),
        ],
        requiresKeys: true,
        // The request and the answer are relayed whole, so the model decides what it can do.
        capabilities: .all
    )

    /// The Hugging Face serverless task API: `POST {base_url}/{model}` with `{"inputs", "parameters"}`.
    public static let huggingFaceInference = AdapterDeclaration(
        name: "hf-inference",
        summary: "Hugging Face task API (inputs/parameters; text-generation and summarization).",
        options: [
            OptionSpec(
                "wait_for_model", .boolean, default: .boolean(false),
                summary: "Ask Hugging Face to hold the request while a cold model loads instead of answering 503."),
            OptionSpec(
                "use_cache", .boolean, default: .boolean(true),
                summary: "Allow Hugging Face to answer from its own cache."),
            OptionSpec(
                "auth_scheme", .string, default: .string("Bearer"),
                summary: "Word before the key in the Authorization header."),
            OptionSpec(
                "hub_url", .string, default: .string("https://huggingface.co"),
                summary: "The Hugging Face Hub, where probes check tokens (whoami) and models (model info)."),
        ],
        targetParameters: [
            OptionSpec(
                "task", .oneOf(["text-generation", "summarization"]), default: .string("text-generation"),
                summary: "Which task API the model serves; decides the request and result shapes."),
        ],
        requiresKeys: true,
        // `inputs` is one prompt string: tools, images, audio and structured output have no place in it.
        capabilities: [.text]
    )

    /// Offline generation from templates declared in providers.yaml. Never touches the network and
    /// always answers, so it belongs last in a route.
    public static let template = AdapterDeclaration(
        name: "template",
        summary: "Offline generation from templates in providers.yaml; never fails, never uses the network.",
        options: [
            OptionSpec(
                "templates", .stringMap, required: true,
                summary: "Mustache templates by name; {{prompt}}, {{topic}} and request variables are filled in."),
            OptionSpec(
                "default_template", .keyOf(option: "templates"),
                summary: "Template used when a target names none (default: the first by name)."),
        ],
        targetParameters: [
            OptionSpec(
                "template", .keyOf(option: "templates"),
                summary: "Which of the provider's templates this target renders."),
        ],
        usesNetwork: false,
        requiresKeys: false,
        requiresModel: false,
        canFail: false,
        capabilities: [.text]
    )
}
