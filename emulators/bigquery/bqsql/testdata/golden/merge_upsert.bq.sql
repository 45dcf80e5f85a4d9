MERGE curated.users T
USING (SELECT user_id, email, updated_at FROM raw.users QUALIFY ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY updated_at DESC) = 1) S
ON T.user_id = S.user_id
WHEN MATCHED AND S.updated_at > T.updated_at THEN UPDATE SET email = S.email, updated_at = S.updated_at
WHEN NOT MATCHED THEN INSERT (user_id, email, updated_at) VALUES (S.user_id, S.email, S.updated_at)
WHEN NOT MATCHED BY SOURCE THEN DELETE
