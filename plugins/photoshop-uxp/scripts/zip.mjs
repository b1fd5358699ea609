// A minimal zip writer (deflate, no zip64): enough for a plugin folder, without a dependency.
import { crc32, deflateRawSync } from "node:zlib";

/**
 * @param {{name: string, data: Uint8Array}[]} files  names use "/" separators
 * @param {Date} [date]  stored as every entry's modification time (fixed = reproducible zips)
 * @returns {Buffer}
 */
export function zipFiles(files, date = new Date(2024, 0, 1)) {
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  const day = ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, "utf8");
    const deflated = deflateRawSync(file.data, { level: 9 });
    const stored = deflated.length >= file.data.length;
    const body = stored ? Buffer.from(file.data) : deflated;
    const crc = crc32(file.data);
    const common = (header) => {
      header.writeUInt16LE(20, 0); // version needed
      header.writeUInt16LE(0x0800, 2); // UTF-8 names
      header.writeUInt16LE(stored ? 0 : 8, 4);
      header.writeUInt16LE(time, 6);
      header.writeUInt16LE(day, 8);
      header.writeUInt32LE(crc, 10);
      header.writeUInt32LE(body.length, 14);
      header.writeUInt32LE(file.data.length, 18);
      header.writeUInt16LE(name.length, 22);
      header.writeUInt16LE(0, 24); // no extra field
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    common(local.subarray(4));
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    common(central.subarray(6));
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(0, 38); // external attributes
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const centralSize = centrals.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
