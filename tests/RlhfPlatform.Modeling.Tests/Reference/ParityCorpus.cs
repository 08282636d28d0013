using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tests.Reference;

/// <summary>Texts and conversations every tokenizer family and chat template is compared on.</summary>
static class ParityCorpus
{
    public static readonly string[] Texts =
    [
        "",
        "Hello world",
        " leading space",
        "   three leading spaces and trailing ",
        "many     spaces    between  words",
        "\ttabs\tand\t\tdouble tabs",
        "line1\nline2\n\nline4\r\nline5\n",
        "\n\n\n",
        "   ",
        " \t \n \t",
        "Grüße aus Köln, naïve café, Ångström",
        "Ελληνικά και русский текст, مرحبا بالعالم, עברית, हिन्दी भाषा",
        "你好，世界！今天天气很好。",
        "日本語のテキストとカタカナ、한국어 문장입니다",
        "😀 emoji 👩‍👩‍👧‍👦 family 🇩🇪 flag 🤖🤖🤖",
        "math 𝐇𝐞𝐥𝐥𝐨 and rare 𠀀𠀁 letters",
        "letters outside the BMP inside words: a𝐇b x𠀀y, digits 𝟏𝟐𝟑𝟒𝟓",
        "def f(x):\n    return x ** 2  # square\n",
        "for (int i = 0; i < n; i++) { sum += a[i]; }",
        "<div class=\"x\">&amp; 'quoted'</div>",
        "SELECT * FROM t WHERE id = 42;",
        "1234567890",
        "3.14159265358979 and 12,345,678.90 and 007",
        "2024-01-01T12:00:00Z",
        "99999999999999999999999999999999",
        "I'm sure you'll see they've DON'T it's We'RE",
        "!!!???...,,,;;; ----====____ $100 & 50% off @user #tag",
        "e\u0301 vs é, ﬁ ligature, \u00a0nbsp\u00a0, zero\u200bwidth, \ufeffBOM, \u0085NEL",
        "<|im_start|>user\nhi<|im_end|>\n",
        "<|begin_of_text|>x<|eot_id|>",
        "<s>[INST] hi [/INST] answer</s>",
        "<bos><start_of_turn>user\nhi<end_of_turn>\n<start_of_turn>model\n",
        "a<think>b</think>c <tool_call>",
        "text<|endoftext|> more",
        "  <|im_end|>  spaced  ",
        "ab<|im_end|><|im_end|>cd",
        "<unk> and <pad> and <mask>",
        "▁ already metaspace ▁▁x",
        "<0x41> looks like a byte token",
        string.Concat(Enumerable.Repeat("The quick brown fox jumps over the lazy dog. ", 40)),
    ];

    public sealed record Chat(string Name, IReadOnlyList<ChatMessage> Messages, bool AddGenerationPrompt);

    static ChatMessage User(string content) => new("user", content);
    static ChatMessage Assistant(string content) => new("assistant", content);
    static ChatMessage System(string content) => new("system", content);

    public static readonly Chat[] Chats =
    [
        new("one user turn, generation prompt", [User("Hello!")], true),
        new("one user turn, no generation prompt", [User("Hello!")], false),
        new("system + multi-turn, generation prompt",
            [System("You are terse."), User("What is 2+2?"), Assistant("4"), User("And 3+3?")], true),
        new("system + user + assistant, no generation prompt",
            [System("You are terse."), User("Hi"), Assistant("Hello, how can I help?")], false),
        new("multi-turn without system", [User("a"), Assistant("b"), User("c"), Assistant("d")], false),
        new("whitespace and special tokens in content",
            [User("  padded  \n\n"), Assistant(" <|im_end|> </s> <end_of_turn> "), User("\ttab")], true),
        new("thinking in an assistant turn",
            [User("Why?"), Assistant("<think>\nBecause.\n</think>\n\nIt is so."), User("Sure?"), Assistant("<think>\nYes\n</think>\n\nYes.")], false),
        new("unicode and emoji", [User("你好 😀 Grüße"), Assistant("こんにちは")], true),
        new("empty user content", [User("")], true),
        new("roles out of order", [User("a"), User("b")], true),
        new("system in the middle", [User("a"), System("be nice"), Assistant("b")], true),
    ];
}
