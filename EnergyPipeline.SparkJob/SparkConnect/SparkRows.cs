namespace EnergyPipeline.SparkJob.SparkConnect;

/// <summary>
/// The rows of a query, decoded from Arrow: column names and one array of values per row.
/// Values are .NET types: long, int, decimal, string, bool, double, DateOnly, DateTimeOffset (Spark TIMESTAMP),
/// DateTime (TIMESTAMP_NTZ), byte[]; SQL NULL is null.
/// </summary>
public sealed class SparkRows
{
    private readonly Dictionary<string, int> _ordinals;

    public SparkRows(IReadOnlyList<string> columns, IReadOnlyList<object?[]> rows)
    {
        Columns = columns;
        Rows = rows;
        _ordinals = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < columns.Count; i++)
        {
            _ordinals.TryAdd(columns[i], i);
        }
    }

    public IReadOnlyList<string> Columns { get; }

    public IReadOnlyList<object?[]> Rows { get; }

    public int Count => Rows.Count;

    public int Ordinal(string column) =>
        _ordinals.TryGetValue(column, out var ordinal)
            ? ordinal
            : throw new KeyNotFoundException($"The result has no column '{column}' (columns: {string.Join(", ", Columns)}).");

    public object? Value(int row, string column) => Rows[row][Ordinal(column)];

    /// <summary>The value converted to <typeparamref name="T"/>; a NULL where a value is required is an error.</summary>
    public T Get<T>(int row, string column)
    {
        var value = Value(row, column);
        return value switch
        {
            T typed => typed,
            null => throw new InvalidCastException($"Column '{column}' of row {row} is NULL."),
            IConvertible => (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new InvalidCastException($"Column '{column}' of row {row} is a {value.GetType().Name}, not a {typeof(T).Name}."),
        };
    }
}
